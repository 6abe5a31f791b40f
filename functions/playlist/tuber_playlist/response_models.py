"""The bodies of the /playlist answers (docs/API.md "Playlists"): documentation only, never
imported by the function (tuber_common.response_models says why)."""
from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from tuber_common.response_models import (Answer, Count, Id, Page, User, Video, VideoId,
                                          Visibility)


class PlaylistSummary(Answer):
    """A playlist without its items (a user's list, an edit's answer)."""
    id: Id
    kind: Literal["playlist", "watchLater"]
    title: str
    description: str
    visibility: Visibility
    owner: User
    itemCount: Count = Field(description="every item, those the caller may not see too")
    thumbnailUrl: str | None = Field(description="the first video the caller may see "
                                                 "(among the first 10), signed; null if none")
    createdAt: datetime
    updatedAt: datetime = Field(description="the last change: edit, item added, moved, "
                                            "removed")


class PlaylistEntry(Answer):
    """One item: a video the caller may see, at its 0-based position."""
    position: Count = Field(description="0-based, counting the hidden items too")
    addedAt: datetime
    video: Video


class Playlist(PlaylistSummary):
    """A playlist with one page of its items, in order."""
    hiddenCount: Count = Field(description="items of this page left out: videos the "
                                           "caller may not see (private, not published, "
                                           "taken down) or gone")
    items: list[PlaylistEntry]
    nextCursor: str | None = Field(description="the next page of items (?cursor=); null on "
                                               "the last")


class PlaylistResponse(Answer):
    playlist: Playlist


class PlaylistSummaryResponse(Answer):
    playlist: PlaylistSummary


class PlaylistPage(Page[PlaylistSummary]):
    """A page of playlists."""


class PlaylistItemPlace(Answer):
    videoId: VideoId
    position: Count
    addedAt: datetime


class PlaylistItemResponse(Answer):
    item: PlaylistItemPlace
    itemCount: Count
