"""The photo classes every stage shares, declared once.

A human label is one of :data:`CLASSES`; a model's outputs are a list of class
names (by default :data:`CLASSES`, in that order); a tag is one of them or
:data:`OTHER` when the model is not sure enough (or the photo shows none).
"""

GLORY = "glory"  # a climber on the route, seen from the side or above: a cover
BUTT = "butt"  # a climber seen from below, mostly their back: never a cover
TOPO = "topo"  # the route lines drawn over the crag or on paper

CLASSES = (GLORY, BUTT, TOPO)
OTHER = "other"
