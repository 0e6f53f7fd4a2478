"""Records joined by shared keys: a disjoint-set forest (union-find with path halving).

Two records sharing a MOET code, a vnEdu code, or a name and birth date are one person, and so is
a third that shares a key with either: the duplicates of the comparison and the principals of the
checks are found this way, in time linear in the records.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable


class DisjointSets:
    """Items joined into groups; an item not joined to anything is its own group."""

    def __init__(self) -> None:
        self.parent: dict[Hashable, Hashable] = {}

    def __bool__(self) -> bool:
        return bool(self.parent)

    def find(self, item: Hashable) -> Hashable:
        """The representative of ``item``'s group (``item`` is added when new)."""
        parent = self.parent
        parent.setdefault(item, item)
        while parent[item] != item:
            parent[item] = parent[parent[item]]
            item = parent[item]
        return item

    def union(self, items: Iterable[Hashable]) -> None:
        """Join ``items`` into the group of the first of them."""
        items = list(items)
        if not items:
            return
        root = self.find(items[0])
        for other in items[1:]:
            self.parent[self.find(other)] = root

    def groups(self) -> list[list[Hashable]]:
        """Every group's items, each group and its items in the items' sorted order."""
        out: dict[Hashable, list[Hashable]] = {}
        for item in sorted(self.parent):
            out.setdefault(self.find(item), []).append(item)
        return list(out.values())
