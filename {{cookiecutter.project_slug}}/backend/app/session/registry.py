"""States and their handlers: adding a state is adding one typed function."""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, get_origin, get_type_hints

from pydantic import BaseModel, ValidationError

from app.session.context import SessionContext
from app.session.errors import ErrorCode, SocketError
from app.session.messages import Request, Response, describe_validation_error

DataT = TypeVar("DataT")
Handler = Callable[[SessionContext, DataT], Awaitable[Response]]


class StateRegistry:
    def __init__(self) -> None:
        # The model that checks each state's data; None: any object, passed on as it came.
        self._handlers: dict[str, tuple[type[BaseModel] | None, Handler[Any]]] = {}

    def state(self, name: str) -> Callable[[Handler[DataT]], Handler[DataT]]:
        """Register `handler` for requests whose `state` is `name`.

        The handler's second parameter is annotated with the pydantic model of the request's
        `data`, or with `dict[str, Any]` for a state that takes any object as it came.
        """

        def register(handler: Handler[DataT]) -> Handler[DataT]:
            if name in self._handlers:
                raise ValueError(f"state {name!r} already has a handler")
            parameters = list(inspect.signature(handler).parameters)
            model = get_type_hints(handler).get(parameters[1]) if len(parameters) == 2 else None
            if get_origin(model) is dict:
                self._handlers[name] = (None, handler)
            elif inspect.isclass(model) and issubclass(model, BaseModel):
                self._handlers[name] = (model, handler)
            else:
                raise TypeError(f"{handler.__name__}: annotate its data with a pydantic model")
            return handler

        return register

    @property
    def states(self) -> list[str]:
        return sorted(self._handlers)

    async def dispatch(self, context: SessionContext, request: Request) -> Response:
        entry = self._handlers.get(request.state)
        if entry is None:
            raise SocketError(ErrorCode.UNKNOWN_STATE, f"There is no state {request.state!r}.")
        model, handler = entry
        if model is None:
            return await handler(context, request.data)
        try:
            data = model.model_validate(request.data)
        except ValidationError as error:
            raise SocketError(
                ErrorCode.INVALID_DATA, describe_validation_error(error, prefix="data")
            ) from None
        return await handler(context, data)
