"""Settings of the review app (`cragcat review`)."""

from cragcat.settings import Setting

SETTINGS = [
    Setting("review.host", str, "127.0.0.1",
            "Address the review app listens on. Only 127.0.0.1 is safe on a shared machine: "
            "any other address lets other people on the network label your photos.",
            flag="--host"),
    Setting("review.port", int, 8765,
            "Port of the review app; 0 takes a free one (the first line printed is the URL).",
            min=0, max=65535),
    Setting("review.reviewer", str, "",
            "Name recorded with every label, pin, reject and exclusion; empty means the "
            "login name of the user running the app."),
    Setting("review.preload", int, 6,
            "Photos the label queue loads ahead of the one on screen, so the next one shows "
            "at once.", min=1, max=50),
    Setting("review.batch", int, 60,
            "Queue entries the page asks for at a time (it asks again when few are left).",
            min=5, max=1000),
    Setting("review.grid_size", int, 16,
            "Photos per page in grid mode (g toggles it): 16 is a 4x4 grid.", min=4, max=64),
    Setting("review.busy_retry", float, 1.0,
            "Seconds the page waits before trying again while another process (crawl, "
            "train, tag-catalog) holds the catalog.", min=0.1, max=60),
]
