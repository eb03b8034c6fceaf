"""States and their handlers: adding a state is adding one typed function."""

import inspect
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar, get_type_hints

from pydantic import BaseModel, ValidationError

from app.session.context import SessionContext
from app.session.errors import ErrorCode, SocketError
from app.session.messages import Request, Response, describe_validation_error

ModelT = TypeVar("ModelT", bound=BaseModel)
Handler = Callable[[SessionContext, ModelT], Awaitable[Response]]


class StateRegistry:
    def __init__(self) -> None:
        self._handlers: dict[str, tuple[type[BaseModel], Handler[Any]]] = {}

    def state(self, name: str) -> Callable[[Handler[ModelT]], Handler[ModelT]]:
        """Register `handler` for requests whose `state` is `name`.

        The handler's second parameter is annotated with the pydantic model of the request's `data`.
        """

        def register(handler: Handler[ModelT]) -> Handler[ModelT]:
            if name in self._handlers:
                raise ValueError(f"state {name!r} already has a handler")
            parameters = list(inspect.signature(handler).parameters)
            model = get_type_hints(handler).get(parameters[1]) if len(parameters) == 2 else None
            if not (inspect.isclass(model) and issubclass(model, BaseModel)):
                raise TypeError(f"{handler.__name__}: annotate its data with a pydantic model")
            self._handlers[name] = (model, handler)
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
        try:
            data = model.model_validate(request.data)
        except ValidationError as error:
            raise SocketError(
                ErrorCode.INVALID_DATA, describe_validation_error(error, prefix="data")
            ) from None
        return await handler(context, data)
