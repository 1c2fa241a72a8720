"""Utility: does a model trained on a simgen dataset do well on data it was not made from?

``realsets`` reads the other set (COCO or YOLO), ``classes`` matches its classes to simgen's,
``folders`` writes either as the folder ultralytics trains from, ``train`` trains and evaluates
a YOLO nano detector (torch is imported there only, lazily: the ``train`` extra), ``measure``
runs the whole comparison, ``section`` draws its table, chart and HTML, ``tables`` formats the
transfer benchmark's train-look x test-look table.
"""
