from dataclasses import dataclass


@dataclass
class Member:
    """A signed-in user as tests hold one: id, username, access token."""
    id: str
    username: str
    token: str
