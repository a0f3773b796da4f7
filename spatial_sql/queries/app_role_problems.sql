-- What would let the web app's database role (the current user) see or change more than
-- its signed-in users may: being a superuser, BYPASSRLS (on itself or a role it is a member
-- of), or owning anything (an owner can switch row-level security off, alter or drop).
-- One row per problem; none when the role is fit to serve the app.
SELECT format('role %s is a superuser', rolname) AS problem
FROM pg_roles WHERE rolsuper AND pg_has_role(current_user, oid, 'MEMBER')
UNION ALL
SELECT format('role %s has BYPASSRLS', rolname)
FROM pg_roles WHERE rolbypassrls AND pg_has_role(current_user, oid, 'MEMBER')
UNION ALL
SELECT format('it owns %s objects, e.g. %s', count(*), min(what))
FROM (
    SELECT 'table ' || oid::regclass::text AS what FROM pg_class
    WHERE pg_has_role(current_user, relowner, 'MEMBER')
    UNION ALL
    SELECT 'function ' || oid::regprocedure::text FROM pg_proc
    WHERE pg_has_role(current_user, proowner, 'MEMBER')
    UNION ALL
    SELECT 'schema ' || nspname FROM pg_namespace
    WHERE pg_has_role(current_user, nspowner, 'MEMBER')
    UNION ALL
    SELECT 'database ' || datname FROM pg_database
    WHERE pg_has_role(current_user, datdba, 'MEMBER')
) AS owned
HAVING count(*) > 0
