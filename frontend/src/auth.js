// Who is signed in. On load GET /api/auth/me; signed out (401), the sign-in screen (e-mail and
// password, or single sign-on when the server offers it). The session cookie is HttpOnly: the
// page never sees it; the CSRF token of the session stays in memory (api.js sends it). A 401
// later (the session expired) brings the sign-in screen back over the app. The header shows
// the user (e-mail, role) with a menu: change password, sign out. What the role sees is said
// in one line (the scope), and `can()` tells the views which actions to offer: the server
// enforces every rule anyway, the page only does not invite a refusal.

import { api, el, setCsrfToken, setUnauthorizedHandler, showMessage } from "./api.js";

/** The roles that may do each thing (geocrm/api: the `allow(...)` of the routes). */
const ABILITIES = {
  "zones.save": ["admin", "marketer"], // save, rename and delete target zones
  "territories.edit": ["admin", "manager"], // design, edit and publish territory plans
  "routes.plan": ["admin", "manager", "rep"], // plan a rep's visit route
  "customers.read": ["admin", "manager", "rep", "marketer"], // open individual accounts
  "leads.assign": ["admin", "marketer", "manager"], // give a lead to a rep (a prospect)
  "leads.status": ["admin", "marketer", "manager", "rep"], // set a lead's status
};

const ROLE_LABELS = {
  admin: "administrator",
  manager: "manager",
  rep: "sales rep",
  marketer: "marketer",
  analyst: "analyst",
};

// a message for the sign-in screen across a page load (signing out reloads the page)
const NOTICE = "geocrm.signin-notice";

let me = null; // GET /api/auth/me: {user, via, csrf_token, min_cell_count}
let waiting = []; // resolved by the next sign-in
const resumers = []; // called when the same user signs in again after the session expired

/** The signed-in user {user_id, email, display_name, role, reps}, or null. */
export function currentUser() {
  return me?.user ?? null;
}

/** Whether the signed-in user's role may do `action` (a key of ABILITIES). */
export function can(action) {
  return Boolean(me && ABILITIES[action]?.includes(me.user.role));
}

/** Call `fn` when the user signs in again after the session expired (tiles to reload). */
export function onResume(fn) {
  resumers.push(fn);
}

/** What the role sees, in a sentence; null when it sees everything. */
export function scopeText(role, k) {
  const hidden = `hexagons with fewer than ${k} customers are hidden`;
  if (role === "rep") return `You see your own accounts. Outside your accounts, ${hidden}.`;
  if (role === "manager") return `You see your reps' accounts. Outside them, ${hidden}.`;
  if (role === "analyst") return `You see totals, not accounts: ${hidden}.`;
  return null;
}

/** Resolves with GET /api/auth/me's answer once someone is signed in: the session of the
 * cookie, or whoever signs in on the sign-in screen. */
export async function signIn() {
  wire();
  setUnauthorizedHandler(expired);
  try {
    me = await api("/api/auth/me");
  } catch (error) {
    if (error.status !== 401) throw error;
    const notice = sessionStorage.getItem(NOTICE);
    sessionStorage.removeItem(NOTICE);
    me = await showLogin(notice);
  }
  signedIn();
  return me;
}

function signedIn() {
  setCsrfToken(me.csrf_token);
  document.getElementById("login").hidden = true;
  setInert(false);
  renderUser();
}

/** A request answered 401: the session expired (or was ended elsewhere). The app stays
 * underneath; the same user signing in again carries on, anyone else starts afresh. */
function expired() {
  if (!me || !document.getElementById("login").hidden) return;
  const before = me.user.user_id;
  document.getElementById("login-form").elements.email.value = me.user.email;
  setCsrfToken(null);
  closeMenu();
  document.getElementById("password-dialog").close();
  showLogin("Your session has expired: sign in again.").then((again) => {
    if (again.user.user_id !== before) {
      window.location.reload(); // another user: nothing of the previous one stays in the page
      return;
    }
    me = again;
    signedIn();
    for (const fn of resumers) fn();
  });
}

/** Show the sign-in screen; resolves with the sign-in's answer. */
function showLogin(notice) {
  const screen = document.getElementById("login");
  const form = document.getElementById("login-form");
  screen.hidden = false;
  setInert(true);
  const box = document.getElementById("login-notice");
  box.textContent = notice || "";
  box.hidden = !notice;
  document.getElementById("login-error").hidden = true;
  form.elements.password.value = "";
  (form.elements.email.value ? form.elements.password : form.elements.email).focus();
  offerSingleSignOn();
  return new Promise((resolve) => waiting.push(resolve));
}

/** The app under the sign-in screen takes no focus nor clicks while it shows. */
function setInert(inert) {
  for (const part of document.querySelectorAll("body > header, body > main")) part.inert = inert;
}

let ssoAsked = null;
function offerSingleSignOn() {
  ssoAsked ??= api("/api/auth/config")
    .then((config) => {
      const link = document.getElementById("sso");
      if (!config.oidc || !config.oidc_login_url) return;
      link.href = config.oidc_login_url;
      link.hidden = false;
    })
    .catch(() => {
      ssoAsked = null; // the password form still works; ask again next time
    });
}

/** What a failed sign-in says to the user. */
function loginError(error) {
  if (error.status === 401) return "Wrong e-mail or password.";
  if (error.status === 429) return "Too many attempts: wait a few minutes, then try again.";
  if (error.status === 422) return "Enter your e-mail address and your password.";
  if (error.status === undefined) return `The server cannot be reached (${error.message}).`;
  return error.message;
}

// ------------------------------------------------------------------ the header's user menu

function renderUser() {
  const user = me.user;
  const name = user.display_name || user.email;
  const role = ROLE_LABELS[user.role] || user.role;
  document.getElementById("user").hidden = false;
  document.getElementById("user-initial").textContent = name.trim().charAt(0).toUpperCase();
  document.getElementById("user-email").textContent = user.email;
  document.getElementById("user-role").textContent = role;
  document.getElementById("user-button").title = `${user.email} (${role})`;
  document.getElementById("user-button").dataset.role = user.role;
  document.getElementById("password-form").elements.username.value = user.email;
  const scope = scopeText(user.role, me.min_cell_count);
  const who = document.getElementById("user-who");
  who.replaceChildren(
    ...[
      el("strong", {}, name),
      user.display_name ? el("span", {}, user.email) : null,
      el("span", { class: "role" }, `Role: ${role}`),
      scope ? el("span", { class: "hint" }, scope) : null,
    ].filter(Boolean),
  );
  const line = document.getElementById("scope");
  line.textContent = scope || "";
  line.hidden = !scope;
}

function openMenu() {
  document.getElementById("user-menu").hidden = false;
  document.getElementById("user-button").setAttribute("aria-expanded", "true");
}

function closeMenu() {
  document.getElementById("user-menu").hidden = true;
  document.getElementById("user-button").setAttribute("aria-expanded", "false");
}

async function signOut() {
  closeMenu();
  try {
    await api("/api/auth/logout", { method: "POST" });
  } catch (error) {
    if (error.status !== 401) {
      // the session may still be open: say so rather than pretend
      showMessage(`Signing out failed: ${error.message}`);
      return;
    }
  }
  setCsrfToken(null);
  me = null;
  // a fresh page: nothing the user saw stays in memory for whoever signs in next
  sessionStorage.setItem(NOTICE, "You have signed out.");
  window.location.reload();
}

// ------------------------------------------------------------------ wiring, once

let wired = false;
function wire() {
  if (wired) return;
  wired = true;

  const form = document.getElementById("login-form");
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const error = document.getElementById("login-error");
    const button = form.querySelector("button[type=submit]");
    error.hidden = true;
    button.disabled = true;
    try {
      const answer = await api("/api/auth/login", {
        method: "POST",
        body: { email: form.elements.email.value.trim(), password: form.elements.password.value },
      });
      form.elements.password.value = "";
      const resolve = waiting;
      waiting = [];
      for (const fn of resolve) fn(answer);
    } catch (failure) {
      error.textContent = loginError(failure);
      error.hidden = false;
      form.elements.password.select();
    } finally {
      button.disabled = false;
    }
  });

  const button = document.getElementById("user-button");
  const menu = document.getElementById("user-menu");
  button.addEventListener("click", () => (menu.hidden ? openMenu() : closeMenu()));
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !document.getElementById("user").contains(event.target)) closeMenu();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) {
      closeMenu();
      button.focus();
    }
  });
  document.getElementById("sign-out").addEventListener("click", signOut);

  // change password: current and new (twice); the server wants 10 characters or more
  const dialog = document.getElementById("password-dialog");
  const change = document.getElementById("password-form");
  const problem = document.getElementById("password-error");
  document.getElementById("change-password").addEventListener("click", () => {
    closeMenu();
    change.reset();
    problem.hidden = true;
    dialog.showModal();
  });
  document.getElementById("password-cancel").addEventListener("click", () => dialog.close());
  change.addEventListener("submit", async (event) => {
    event.preventDefault();
    const fields = change.elements;
    problem.hidden = true;
    if (fields.new_password.value !== fields.repeat.value) {
      problem.textContent = "The two new passwords differ.";
      problem.hidden = false;
      return;
    }
    const submit = change.querySelector("button[type=submit]");
    submit.disabled = true;
    try {
      await api("/api/auth/password", {
        method: "POST",
        body: { current_password: fields.current_password.value, new_password: fields.new_password.value },
      });
      dialog.close();
      showMessage("Password changed. Your other sessions are signed out.");
    } catch (error) {
      problem.textContent = error.message; // "The current password is wrong.", "… 10 characters."
      problem.hidden = false;
    } finally {
      submit.disabled = false;
    }
  });
}
