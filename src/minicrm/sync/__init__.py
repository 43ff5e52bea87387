"""Two-way sync of minicrm's records with vdirs (one item per file), which vdirsyncer
carries to any CardDAV/CalDAV server and phone.

The API (stable; ``sync tasks`` builds on it like ``sync contacts``):

- :mod:`minicrm.sync.core` is the sync core, independent of the item type.
  ``core.run(store, kind, folder, core.Settings(...), command=...) -> core.SyncReport``
  syncs one kind with one folder: one folder lock, one transaction (one change set),
  atomic files, three-way merge, mass-deletion guard. ``core.merge`` is the merge
  driver on its own. (Behind the API: :mod:`minicrm.sync.models`, the types;
  :mod:`minicrm.sync.engine`, one run; :mod:`minicrm.sync.merging`, the merge.)
- A kind implements :class:`minicrm.sync.core.Kind`: ``name``, ``noun``, ``fileext``;
  ``parse(text) -> Item`` (raise ``ItemError``), ``changed_since(store, changeset)``
  (local uids touched after a change set, from history; None = look at all),
  ``load(store, local_uids, item_uids) -> {local_uid: Item}`` (the records that sync,
  serialized: ``Item.text`` is the file to write, ``Item.fields`` what is compared),
  ``find(store, item, taken)`` (adopt an existing record for a new file),
  ``apply(store, local_uid, fields, item) -> local_uid`` (create/update/bring back),
  ``remove(store, local_uid, archive) -> "deleted" | "archived"``,
  ``keep_lost(store, local_uid, lost, where)`` (conflict losers, kept visibly) and
  ``show(field, value)``. An ``Item`` is ``(uid, fields, text, label)``: ``uid`` byte for
  byte as the file has it, ``fields`` a flat dict of JSON-like values (lists merge item by
  item, everything else as a whole).
- :mod:`minicrm.sync.vdir`: the folder (etags as vdirsyncer computes them, atomic write
  and delete, the lock, collision-free names). :mod:`minicrm.sync.queries`: the state
  tables (migration 0015). :mod:`minicrm.sync.service`: the kinds by name (``KINDS``),
  ``sync_folder`` and ``sync_configured`` (``minicrm sync``: the ``[sync]`` config, the
  command run around it). :mod:`minicrm.sync.render`: the report as text.
- :mod:`minicrm.sync.contacts`: the contacts kind (vCard, via interchange/formats/vcard).
"""
