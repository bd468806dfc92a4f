"""Write villages.csv: a simulated village panel for ``titfortat did``.

Not real data. 120 villages, a third shelled ("fire" = 1); attacks in the
90 days before and after, Poisson with a village-level rate; shelling lowers
the post-period rate by 30% (the effect a DiD should find). Run from the
repository root: python examples/make_villages.py
"""

from pathlib import Path

import numpy as np
import pandas as pd

rng = np.random.default_rng(13)
n = 120
rate = rng.gamma(shape=2.0, scale=2.0, size=n)
fire = (rng.random(n) < 1 / 3).astype(int)
pre = rng.poisson(rate)
post = rng.poisson(rate * np.where(fire == 1, 0.7, 1.0))
frame = pd.DataFrame(
    {
        "village": [f"v{i:03d}" for i in range(n)],
        "fire": fire,
        "preattack": pre,
        "postattack": post,
    }
)
frame.to_csv(Path(__file__).with_name("villages.csv"), index=False)
