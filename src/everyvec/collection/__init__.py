"""Collections: vectors with string keys, JSON metadata and an index, persisted as a folder.

>>> from everyvec import Collection                                   # doctest: +SKIP
>>> c = Collection.open("products", writable=True)                    # doctest: +SKIP
>>> c.upsert(["sku-1"], [vector], metadata=[{"lang": "en"}])          # doctest: +SKIP
>>> c.search(query, k=10, filter={"lang": ["en", "de"]})              # doctest: +SKIP
>>> c.save()                                                          # doctest: +SKIP

Modules: :mod:`~everyvec.collection.collection` (the class), :mod:`~.store` (folder layout
and commit protocol), :mod:`~.log` (write-ahead log), :mod:`~.filters` (metadata filters),
:mod:`~.records` (metadata checks and JSON), :mod:`~.rows` (key -> row storage).
"""

from everyvec.collection.collection import Collection

__all__ = ["Collection"]
