"""A player's volume for one announcement: set before it plays, restored when the player is
done with it (it stops playing, or plays something else), or after a timeout."""

from __future__ import annotations

from typing import Any

from homeassistant.components.media_player.const import (
    ATTR_MEDIA_CONTENT_ID,
    ATTR_MEDIA_VOLUME_LEVEL,
)
from homeassistant.components.media_player.const import DOMAIN as MEDIA_PLAYER_DOMAIN
from homeassistant.const import ATTR_ENTITY_ID, SERVICE_VOLUME_SET, STATE_PLAYING
from homeassistant.core import CALLBACK_TYPE, Event, EventStateChangedData, HomeAssistant, callback
from homeassistant.helpers.event import async_call_later, async_track_state_change_event

RESTORE_TIMEOUT = 30.0
"""Seconds after the audio's length by which a volume is restored whatever the player says."""


class AnnouncementVolume:
    """Sets players' volume for an announcement and puts each back when it is done."""

    def __init__(self, hass: HomeAssistant, players: list[str], level: float) -> None:
        self._hass = hass
        self._level = level
        self._previous: dict[str, float] = {
            player: float(state.attributes[ATTR_MEDIA_VOLUME_LEVEL])
            for player in players
            if (state := hass.states.get(player)) is not None
            and state.attributes.get(ATTR_MEDIA_VOLUME_LEVEL) is not None
        }
        self._players = players
        self._playing: dict[str, Any] = {}
        """Players seen playing since the announcement began, and what they played."""
        self._unsubscribe: list[CALLBACK_TYPE] = []

    async def async_set(self) -> None:
        """Set the announcement's volume on every player (before it plays)."""
        await self._hass.services.async_call(
            MEDIA_PLAYER_DOMAIN,
            SERVICE_VOLUME_SET,
            {ATTR_ENTITY_ID: self._players, ATTR_MEDIA_VOLUME_LEVEL: self._level},
            blocking=True,
        )

    @callback
    def async_watch(self, duration: float) -> None:
        """The announcement was handed to the players: restore each one's volume when it is
        done with it, and every one's by ``duration`` + ``RESTORE_TIMEOUT`` at the latest."""
        if not self._previous:
            return
        self._unsubscribe = [
            async_track_state_change_event(self._hass, list(self._previous), self._changed),
            async_call_later(self._hass, duration + RESTORE_TIMEOUT, self._timeout),
        ]

    @callback
    def _changed(self, event: Event[EventStateChangedData]) -> None:
        player = event.data["entity_id"]
        new = event.data["new_state"]
        if player not in self._previous:
            return
        if new is not None and new.state == STATE_PLAYING:
            media = new.attributes.get(ATTR_MEDIA_CONTENT_ID)
            if player not in self._playing:
                self._playing[player] = media  # the announcement started
                return
            if media == self._playing[player]:
                return  # still the announcement (its volume, say, changed)
        elif new is not None and player not in self._playing:
            return  # not started yet
        self._restore(player)  # it stopped, went away, or plays something else

    @callback
    def _timeout(self, _now: Any) -> None:
        for player in list(self._previous):
            self._restore(player)

    @callback
    def _restore(self, player: str) -> None:
        level = self._previous.pop(player)
        self._hass.async_create_task(
            self._hass.services.async_call(
                MEDIA_PLAYER_DOMAIN,
                SERVICE_VOLUME_SET,
                {ATTR_ENTITY_ID: player, ATTR_MEDIA_VOLUME_LEVEL: level},
            ),
            eager_start=True,
        )
        if not self._previous:
            for unsubscribe in self._unsubscribe:
                unsubscribe()
            self._unsubscribe = []
