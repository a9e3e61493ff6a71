"""Operations (issue 24; regulations §2.1.3, §7.2-§7.3; seed 2 §6.1, §6.2, §7.2).

One small module per concept: ``backup`` takes a consistent online backup (``dump`` per
database dialect, ``bundle`` the archive and its ``manifest``, ``crypto`` its optional
encryption), ``restore`` puts one back, ``retention`` keeps N daily/weekly/monthly,
``offsite`` copies to other stores, ``status`` remembers how the runs went, ``alerts`` tells
the administrators, ``schedule`` and ``tasks`` run it all from Celery beat, ``oplog`` writes
the server operation log, ``health`` answers monitoring, ``yearly`` builds the disc images.
"""
