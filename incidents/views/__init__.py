"""The case pages, by door: staff (queue, exports, the case page and its steps), handling
(duplicate suggestions, joining a case, bulk work), member (the quick report), public (the
residents' door); suggestions is the partial two doors share."""
