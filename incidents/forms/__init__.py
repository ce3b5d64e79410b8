"""The forms of the case pages, by door: staff (the case page's steps), handling (duplicate
suggestions and bulk work), member (the quick report), public (the residents' door), and
report (what the two report forms share)."""
