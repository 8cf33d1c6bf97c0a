"""The people of the tests: a technician, two pharmacists and an administrator, with passwords
that pass the policy, signed in through the real sign-in page. Passwords are hashed at a test
cost (argon2id, 1 pass over 8 KiB): the production default is measured in benchmarks/."""

from __future__ import annotations

import re

from argon2 import PasswordHasher

from compounding.records import Accounts, Author

KEY = b"the chain key of the tests, never of a pharmacy"
HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"
PEOPLE = {
    "tech": ("T. Tech", ["technician"], None),
    "rph": ("R. Okafor, PharmD", ["pharmacist", "technician"], "RPH-10234"),
    "rph2": ("J. Chen, PharmD", ["pharmacist", "technician"], "RPH-20567"),
    "admin": ("A. Admin", ["admin"], None),
}
TECH = Author(user_id=1, name="T. Tech")
RPH = Author(user_id=2, name="R. Okafor, PharmD", licence="RPH-10234")
RPH2 = Author(user_id=3, name="J. Chen, PharmD", licence="RPH-20567")


def seed(accounts: Accounts) -> None:
    for username, (name, roles, licence) in PEOPLE.items():
        accounts.add(username, name, PASSWORD, roles, licence, own=True)  # chosen by each


def csrf(browser, path: str = "/login") -> str:
    page = browser.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def login(browser, username: str, password: str = PASSWORD):
    response = browser.post("/login", data={"csrf_token": csrf(browser), "username": username,
                                             "password": password})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response


def signature(username: str = "rph", password: str = PASSWORD) -> dict[str, str]:
    return {"username": username, "password": password}
