"""The tile cache of :mod:`geocrm.tiles`: rendered tiles (MVT bytes, gzipped, ETag) in a
thread-safe LRU bounded by their size in bytes."""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Tile:
    """A rendered tile: the MVT bytes, the same gzip-compressed, and its ETag."""

    data: bytes
    gzipped: bytes
    etag: str


@dataclass
class TileCache:
    """A thread-safe LRU of tiles bounded by their size in bytes."""

    max_bytes: int
    _tiles: OrderedDict[tuple, Tile] = field(default_factory=OrderedDict)
    _bytes: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    hits: int = 0
    misses: int = 0

    def get(self, key: tuple) -> Tile | None:
        with self._lock:
            tile = self._tiles.get(key)
            if tile is None:
                self.misses += 1
                return None
            self._tiles.move_to_end(key)
            self.hits += 1
            return tile

    def put(self, key: tuple, tile: Tile) -> None:
        size = len(tile.data) + len(tile.gzipped)
        if size > self.max_bytes:
            return
        with self._lock:
            old = self._tiles.pop(key, None)
            if old is not None:
                self._bytes -= len(old.data) + len(old.gzipped)
            self._tiles[key] = tile
            self._bytes += size
            while self._bytes > self.max_bytes:
                _, evicted = self._tiles.popitem(last=False)
                self._bytes -= len(evicted.data) + len(evicted.gzipped)

    def clear(self) -> None:
        with self._lock:
            self._tiles.clear()
            self._bytes = 0
