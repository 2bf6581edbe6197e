"""A headless Streamlit client: one browser tab, speaking the frontend's websocket protocol.

Used by ``bench/classroom_load.py`` (and its test) to load a real ``streamlit run`` server with
many sessions without a browser. The protocol as Streamlit 1.67's server expects it
(``streamlit/web/server/starlette/starlette_websocket.py``, ``streamlit/runtime/app_session.py``):

* **Connect** to ``ws://HOST:PORT/_stcore/stream``. The ``Sec-WebSocket-Protocol`` header is
  repurposed: entry 1 is the subprotocol to select (``streamlit``), entry 2 an XSRF token (only
  used for auth cookies), entry 3 a session id to reconnect to. We send ``streamlit`` alone, and an
  ``Origin`` header equal to the server (same-origin, as a browser would). One connection is one
  session (``runtime.connect_session``); closing it ends the session.
* **Every frame is binary protobuf.** Client -> server: ``BackMsg``; server -> client: ``ForwardMsg``.
* **A run** starts with ``BackMsg.rerun_script = ClientState(...)``:
  ``query_string`` (the URL's query, without ``?``), ``page_name`` (the page's URL path, e.g.
  ``generate``, on the first run of a deep link; ``st.navigation`` matches it against each page's
  ``url_pathname``) or ``page_script_hash`` (afterwards: the page ``st.navigation`` picked, from
  the ``navigation`` message; ``new_session``'s hash is the entry script's), ``widget_states``
  (``WidgetStates`` with one ``WidgetState(id=..., <typed value>)`` per widget), ``fragment_id`` +
  ``is_auto_rerun`` for a fragment's timed rerun, ``cached_message_hashes`` and ``context_info``.
  The server answers ``new_session`` (the page's hash; ``metadata.run.fragment_ids`` is empty
  for a whole-page run), then ``delta``\\ s (``new_element``: the page's elements, one message
  each; ``add_block``: containers), ``page_info_changed`` (the new URL query, e.g. from
  ``st.query_params`` or a widget with ``bind="query-params"``), ``auto_rerun`` (a fragment with
  ``run_every``: the frontend reruns it every ``interval`` seconds with ``fragment_id`` set),
  ``stop_auto_rerun``, and finally ``script_finished``. ``FINISHED_EARLY_FOR_RERUN`` means a newer
  request (or ``st.rerun()``) took over and more messages follow; any other status ends the run.
* **Widget ids** come with the widget's element (its ``id`` field). A widget with a ``key`` has the
  id ``$$ID-<hash>-<key>``. Values the client does not send keep their last value on the server
  (session state), so this client sends only the widgets it has set. A button press is
  ``trigger_value=True``, sent in one rerun only (the frontend resets triggers after sending).
  A ``select_slider``'s value is ``string_array_value`` with the chosen option's label, as in the
  element's ``options``; ``number_input`` with whole numbers is ``int_value``.
* **Message cache.** A ``new_element`` delta with ``metadata.cacheable`` is kept by the frontend
  under its ``hash``; the client lists the hashes it holds in ``cached_message_hashes`` and the
  server then sends ``ForwardMsg(ref_hash=<hash>)`` instead of the element. This client does the
  same and resolves references from its cache.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Element_pb2 import Element
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import ClientConnection, connect

STREAM_PATH = "/_stcore/stream"
SUBPROTOCOL = "streamlit"
FINISHED = ForwardMsg.ScriptFinishedStatus


class StreamlitClientError(RuntimeError):
    """The server did not answer as a Streamlit server does (closed, timed out, compile error)."""


def user_key(widget_id: str) -> str | None:
    """``$$ID-<hash>-<key>`` -> ``key`` (None for a widget without a key)."""
    if not widget_id.startswith("$$ID-"):
        return None
    key = widget_id.split("-", maxsplit=2)[-1]
    return None if key == "None" else key


@dataclass
class ScriptRun:
    """What the server sent back for one rerun request, until its ``script_finished``."""

    seconds: float = 0.0
    status: str = ""
    elements: list[Element] = field(default_factory=list)  # new_element deltas, references resolved
    message_count: int = 0
    byte_count: int = 0

    def of_type(self, element_type: str) -> list[Element]:
        """The elements of one kind (``"plotly_chart"``, ``"markdown"``, ``"exception"``...)."""
        return [element for element in self.elements if element.WhichOneof("type") == element_type]

    @property
    def exceptions(self) -> list[str]:
        """The exceptions the page showed, as ``Type: message``."""
        return [f"{e.exception.type}: {e.exception.message}" for e in self.of_type("exception")]


class StreamlitClient:
    """One session of a Streamlit app over its websocket, like one browser tab.

    ``await client.connect()`` opens the session and runs the page once; ``await client.rerun()``
    sends the widgets set since (``set_select_slider``, ``set_int``, ``press``) and waits for the
    run to finish. ``await client.follow_fragments(seconds)`` does what the frontend does for
    ``st.fragment(run_every=...)``: rerun each such fragment on its interval.
    """

    def __init__(
        self, base_url: str, page: str = "", query_string: str = "", locale: str = "en-US", timeout: float = 120.0
    ):
        self.base_url = base_url.rstrip("/")
        self.page_name = page
        self.query_string = query_string
        self.locale = locale
        self.timeout = timeout
        self.page_script_hash = ""
        self.widgets: dict[str, Element] = {}  # user key -> the widget's latest element
        self.auto_reruns: dict[str, float] = {}  # fragment id -> interval in seconds
        self._widget_states: dict[str, WidgetState] = {}
        self._triggers: dict[str, WidgetState] = {}
        self._cache: dict[str, ForwardMsg] = {}
        self._socket: ClientConnection | None = None
        self._reader: asyncio.Task | None = None
        self._current: ScriptRun | None = None
        self._finished: asyncio.Future | None = None
        self._lock = asyncio.Lock()

    # --- connection -------------------------------------------------------------------------

    async def connect(self) -> ScriptRun:
        """Open the websocket and run the page (as a browser does on load)."""
        ws_url = "ws" + self.base_url.removeprefix("http") + STREAM_PATH
        self._socket = await connect(
            ws_url, subprotocols=[SUBPROTOCOL], origin=self.base_url, max_size=None, compression=None
        )
        self._reader = asyncio.create_task(self._read_forever())
        return await self.rerun()

    async def close(self) -> None:
        if self._socket is not None:
            await self._socket.close()
        if self._reader is not None:
            self._reader.cancel()
            await asyncio.gather(self._reader, return_exceptions=True)

    async def __aenter__(self) -> StreamlitClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    # --- widgets ----------------------------------------------------------------------------

    def widget(self, key: str) -> Element:
        """The latest element of the widget with ``key`` (KeyError if the page has not drawn it)."""
        return self.widgets[key]

    def widget_id(self, key: str) -> str:
        element = self.widget(key)
        return getattr(element, element.WhichOneof("type")).id

    def set_select_slider(self, key: str, label: str) -> None:
        """Move a ``select_slider`` to the option shown as ``label``."""
        state = WidgetState(id=self.widget_id(key))
        state.string_array_value.data.append(label)
        self._widget_states[key] = state
        self._write_bound_param(key, label)

    def set_int(self, key: str, value: int) -> None:
        """Type a whole number into a ``number_input`` (or move an integer slider)."""
        self._widget_states[key] = WidgetState(id=self.widget_id(key), int_value=value)
        self._write_bound_param(key, str(value))

    def _write_bound_param(self, key: str, value: str) -> None:
        """A widget with ``bind="query-params"`` (its element has ``query_param_key``): the frontend
        writes the new value into the URL itself, and the next request carries it."""
        element = self.widget(key)
        param = getattr(getattr(element, element.WhichOneof("type")), "query_param_key", "")
        if param:
            pairs = [(k, v) for k, v in parse_qsl(self.query_string, keep_blank_values=True) if k != param]
            self.query_string = urlencode([*pairs, (param, value)])

    def press(self, key: str) -> None:
        """Click a button on the next rerun."""
        self._triggers[key] = WidgetState(id=self.widget_id(key), trigger_value=True)

    # --- runs -------------------------------------------------------------------------------

    async def rerun(self, fragment_id: str = "", is_auto_rerun: bool = False) -> ScriptRun:
        """Send a rerun request with the widgets set so far; wait for its ``script_finished``."""
        async with self._lock:
            if self._socket is None:
                raise StreamlitClientError("not connected")
            message = self._rerun_message(fragment_id, is_auto_rerun)
            self._triggers.clear()
            loop = asyncio.get_running_loop()
            self._current = ScriptRun()
            self._finished = loop.create_future()
            started = time.perf_counter()
            await self._socket.send(message.SerializeToString())
            try:
                await asyncio.wait_for(asyncio.shield(self._finished), self.timeout)
            except TimeoutError as error:
                raise StreamlitClientError(f"no script_finished within {self.timeout:.0f} s") from error
            run, self._current = self._current, None
            run.seconds = time.perf_counter() - started
            return run

    async def follow_fragments(self, seconds: float) -> int:
        """For ``seconds``, rerun each ``run_every`` fragment on its interval; returns how many reruns."""
        deadline = time.monotonic() + seconds
        due: dict[str, float] = {}
        reruns = 0
        while (now := time.monotonic()) < deadline:
            for fragment_id, interval in list(self.auto_reruns.items()):
                due.setdefault(fragment_id, now + interval)
                if now >= due[fragment_id]:
                    await self.rerun(fragment_id=fragment_id, is_auto_rerun=True)
                    reruns += 1
                    due[fragment_id] = time.monotonic() + interval
            for fragment_id in set(due) - set(self.auto_reruns):
                del due[fragment_id]
            await asyncio.sleep(0.05)
        return reruns

    def _rerun_message(self, fragment_id: str, is_auto_rerun: bool) -> BackMsg:
        message = BackMsg()
        state = message.rerun_script
        state.query_string = self.query_string
        state.page_script_hash = self.page_script_hash
        state.page_name = "" if self.page_script_hash else self.page_name
        state.fragment_id = fragment_id
        state.is_auto_rerun = is_auto_rerun
        state.widget_states.widgets.extend(self._sent_widget_states())
        state.cached_message_hashes.extend(self._cache)
        state.context_info.locale = self.locale
        state.context_info.timezone = "UTC"
        state.context_info.url = f"{self.base_url}/{self.page_name}"
        return message

    def _sent_widget_states(self) -> Iterable[WidgetState]:
        states = {**self._widget_states, **self._triggers}
        return states.values()

    # --- receiving --------------------------------------------------------------------------

    async def _read_forever(self) -> None:
        assert self._socket is not None
        try:
            async for frame in self._socket:
                message = ForwardMsg()
                message.ParseFromString(frame)
                self._receive(message, len(frame))
        except Exception as error:  # the connection closed or a frame was not a ForwardMsg
            self._fail(StreamlitClientError(f"connection lost: {error!r}"))
            raise
        self._fail(StreamlitClientError("the server closed the connection"))

    def _fail(self, error: Exception) -> None:
        if self._finished is not None and not self._finished.done():
            self._finished.set_exception(error)

    def _receive(self, message: ForwardMsg, size: int) -> None:
        if message.WhichOneof("type") == "ref_hash":
            cached = self._cache.get(message.ref_hash)
            if cached is None:
                self._fail(StreamlitClientError(f"reference to a message not in the cache: {message.ref_hash}"))
                return
            message = cached
        elif message.metadata.cacheable:
            self._cache[message.hash] = message
        if self._current is not None:
            self._current.message_count += 1
            self._current.byte_count += size
        kind = message.WhichOneof("type")
        if kind == "new_session":
            if not message.metadata.run.fragment_ids:
                self.auto_reruns.clear()  # a whole-page run registers its fragments again
        elif kind == "navigation":
            self.page_script_hash = message.navigation.page_script_hash  # the page st.navigation picked
        elif kind == "page_info_changed":
            self.query_string = message.page_info_changed.query_string
        elif kind == "auto_rerun":
            self.auto_reruns[message.auto_rerun.fragment_id] = message.auto_rerun.interval
        elif kind == "stop_auto_rerun":
            for fragment_id in message.stop_auto_rerun.fragment_ids:
                self.auto_reruns.pop(fragment_id, None)
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            self._receive_element(message.delta.new_element)
        elif kind == "script_finished":
            self._script_finished(message.script_finished)

    def _receive_element(self, element: Element) -> None:
        if self._current is not None:
            self._current.elements.append(element)
        widget_id = getattr(getattr(element, element.WhichOneof("type") or "", None), "id", None)
        if isinstance(widget_id, str) and (key := user_key(widget_id)) is not None:
            self.widgets[key] = element

    def _script_finished(self, status: int) -> None:
        if status == FINISHED.FINISHED_EARLY_FOR_RERUN:
            return  # a newer run follows
        if self._current is not None:
            self._current.status = FINISHED.Name(status)
        if self._finished is not None and not self._finished.done():
            if status == FINISHED.FINISHED_WITH_COMPILE_ERROR:
                self._finished.set_exception(StreamlitClientError("the script has a compile error"))
            else:
                self._finished.set_result(None)
