"""Electronic signatures (security.md; 21 CFR 11.200: two components at signing).

Approve, reject, acknowledge and scrap are signatures: the signer re-enters the password (the
web form's password field; the API body's ``"signature": {"username", "password"}``). Signed in
on a page, the signer is the signed-in user; through a pharmacy system's token, the signature
names the pharmacist. A wrong password is 403 ``SIGNATURE_FAILED``, logged, and counts like a
failed sign-in from the caller's address. A signer whose password was set by someone else
signs nothing until they change it (21 CFR 11.300(a)): 403 ``PASSWORD_CHANGE_REQUIRED``.
"""

from __future__ import annotations

from typing import Any

from flask import request

from compounding.errors import ErrorDetail
from compounding.records import Author, User
from compounding.records.accounts import username_key

from .auth import PHARMACIST, Denied, accounts, audit, failure_words, principal


def _failed(message: str) -> Denied:
    return Denied(403, [ErrorDetail("SIGNATURE_FAILED", "signature", message)])


def signer(password: str, username: str | None = None) -> Author:
    """The pharmacist whose re-entered password this is, as the author of a signature."""
    who = principal()
    name = username if who.token is not None else who.user.username
    if who.token is None and username and username_key(username) != who.user.username:
        raise _failed("you sign as yourself: the signed-in user")
    if not name or not password:
        raise _failed("a signature needs the signer's username and password")
    outcome = accounts().authenticate(name, password, address=request.remote_addr,
                                      purpose="signature")
    if not isinstance(outcome, User):
        audit("signature_failed", username_key(name)[:64], reason=outcome.reason)
        if outcome.locked_now:
            audit("lockout", username_key(name)[:64])
        if outcome.reason == "tampered":
            raise _failed("this account was changed outside the workbench (its roles, "
                          "password or licence are not what the records hold): it signs "
                          "nothing until an administrator checks it with compounding db verify")
        if outcome.held is not None:
            raise _failed(failure_words(outcome))
        raise _failed("the password is not right")
    if outcome.temporary:
        raise Denied(403, [ErrorDetail(
            "PASSWORD_CHANGE_REQUIRED", "signature",
            f"{outcome.name}'s password was set by an administrator: it signs nothing until "
            f"{outcome.name} changes it in the workbench (Your password)")])
    if not outcome.has(PHARMACIST):
        raise _failed(f"{outcome.name} is not a pharmacist: only a pharmacist signs this")
    return Author(user_id=outcome.id, name=outcome.name, licence=outcome.licence)


def api_signature(body: dict[str, Any]) -> tuple[dict[str, Any], Author]:
    """The body without its ``signature``, and the signer it names."""
    given = body.get("signature")
    rest = {k: v for k, v in body.items() if k != "signature"}
    if not isinstance(given, dict) or not all(isinstance(given.get(k), str)
                                              for k in ("username", "password")):
        raise _failed('send "signature": {"username", "password"} with the body')
    return rest, signer(given["password"], given["username"])


def author() -> Author:
    """The signed-in user (or the token's owner) as the author of a step."""
    user = principal().user
    return Author(user_id=user.id, name=user.name, licence=user.licence)
