"""The dataset report (``simgen-report``): statistics, figures, a preview gallery, and a
comparison with real labels.

``data`` reads a dataset's COCO file(s) into flat per-instance and per-image tables,
``features`` turns them into the numbers plotted and compared, ``stats`` computes
``stats.json``, ``figures`` and ``gallery`` draw PNGs, ``compare`` reads real labels (COCO or
KITTI) and measures distances, ``html`` writes ``report.html`` and ``build`` runs it all.
"""
