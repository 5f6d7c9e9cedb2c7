"""The demo organisation: its data in coachapp/demo/data/*.toml, seeded by `seed-demo`."""

from coachapp.demo.content import DemoContent, DemoDataError, load_content
from coachapp.demo.regions import RegionsExhausted
from coachapp.demo.seed import ADMIN_EMAIL, DEMO_PASSWORD, seed_demo

__all__ = [
    "ADMIN_EMAIL",
    "DEMO_PASSWORD",
    "DemoContent",
    "DemoDataError",
    "RegionsExhausted",
    "load_content",
    "seed_demo",
]
