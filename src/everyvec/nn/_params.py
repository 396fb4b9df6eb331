"""What every neural estimator does with its constructor parameters.

The estimators follow scikit-learn's convention: ``__init__`` stores its arguments unchanged,
and checking happens in ``fit``. :class:`Params` gives them the rest once: ``get_params``, a
``repr`` listing the parameters that differ from their defaults, the :class:`FitSettings` of
the training loop, and the check that a saved model's parameters are ones the class knows.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from typing import Any, ClassVar

from everyvec.nn.training import FitSettings

__all__ = ["FIT_PARAMS", "Params"]

#: The training-loop parameters every estimator takes (the :class:`FitSettings` fields).
FIT_PARAMS: tuple[str, ...] = tuple(FitSettings.__dataclass_fields__)


class Params:
    """Mixin: ``_param_names`` lists the constructor parameters, in order."""

    _param_names: ClassVar[tuple[str, ...]] = ()

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters as given."""
        return {name: getattr(self, name) for name in self._param_names}

    def _changed_params(self, skip: tuple[str, ...] = ()) -> dict[str, Any]:
        """The parameters whose value is not the constructor's default."""
        defaults = {name: p.default for name, p in
                    inspect.signature(type(self).__init__).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        return {k: v for k, v in self.get_params().items()
                if k not in skip and v != defaults.get(k)}

    def __repr__(self) -> str:
        return _call(type(self).__name__, self._changed_params())

    def _settings(self) -> FitSettings:
        """The checked training-loop settings of these parameters."""
        settings = FitSettings.from_params(self.get_params())
        settings.check(type(self).__name__)
        return settings

    @classmethod
    def _check_saved_params(cls, params: Mapping[str, Any]) -> None:
        """ValueError when a saved model's ``params`` name one this class does not take."""
        unknown = set(params) - set(cls._param_names)
        if unknown:
            raise ValueError(f"unknown parameters {sorted(unknown)}")


def _call(name: str, params: Mapping[str, Any]) -> str:
    return f"{name}({', '.join(f'{k}={v!r}' for k, v in params.items())})"
