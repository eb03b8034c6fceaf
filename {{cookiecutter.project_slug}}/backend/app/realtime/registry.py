"""States and their handlers: adding a state is adding one typed function, and one line where
the module registers its states (see app/realtime/handlers.py)."""

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar, get_origin, get_type_hints

from pydantic import BaseModel, ValidationError

from app.realtime.context import SessionContext
from app.realtime.protocol import (
    ErrorCode,
    Request,
    Response,
    SocketError,
    describe_validation_error,
)

DataT = TypeVar("DataT")
Handler = Callable[[SessionContext, DataT], Awaitable[Response]]


@dataclass(frozen=True)
class Reply:
    """What a state answers: the reply's state name and the model of its `data` (None: any
    object). Only the protocol's description (app/realtime/asyncapi.py) reads it."""

    state: str
    data: type[BaseModel] | None = None


@dataclass(frozen=True)
class Entry:
    # The model that checks the request's data; None: any object, passed on as it came.
    model: type[BaseModel] | None
    handler: Handler[Any]
    reply: Reply


class StateRegistry:
    def __init__(self) -> None:
        self._entries: dict[str, Entry] = {}

    def add(self, name: str, handler: Handler[DataT], reply: Reply) -> None:
        """Serve requests whose `state` is `name` with `handler`.

        The handler's second parameter is annotated with the pydantic model of the request's
        `data`, or with `dict[str, Any]` for a state that takes any object as it came.
        """
        if name in self._entries:
            raise ValueError(f"state {name!r} already has a handler")
        parameters = list(inspect.signature(handler).parameters)
        model = get_type_hints(handler).get(parameters[1]) if len(parameters) == 2 else None
        if get_origin(model) is dict:
            self._entries[name] = Entry(None, handler, reply)
        elif inspect.isclass(model) and issubclass(model, BaseModel):
            self._entries[name] = Entry(model, handler, reply)
        else:
            raise TypeError(f"{handler.__name__}: annotate its data with a pydantic model")

    @property
    def states(self) -> list[str]:
        return sorted(self._entries)

    def entry(self, name: str) -> Entry:
        return self._entries[name]

    async def dispatch(self, context: SessionContext, request: Request) -> Response:
        entry = self._entries.get(request.state)
        if entry is None:
            raise SocketError(ErrorCode.UNKNOWN_STATE, f"There is no state {request.state!r}.")
        if entry.model is None:
            return await entry.handler(context, request.data)
        try:
            data = entry.model.model_validate(request.data)
        except ValidationError as error:
            raise SocketError(
                ErrorCode.INVALID_DATA, describe_validation_error(error, prefix="data")
            ) from None
        return await entry.handler(context, data)
