"""How buyers pay: an interface every payment method implements, and the methods we offer.

Today there are two offline methods (bank transfer, pay on pickup). A card provider
can be added later by implementing :class:`PaymentMethod` — typically returning a
redirect to the provider's hosted page from :meth:`PaymentMethod.start_payment`, and
confirming the payment from the provider's webhook. There is deliberately no card form
here: card numbers must never touch this server.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import ClassVar

from pydantic import BaseModel

from social_market.i18n.catalog import N_, gettext
from social_market.i18n.format import format_money
from social_market.models import Order, Shop
from social_market.services.errors import InvalidInput

BANK_TRANSFER = "bank_transfer"
PICKUP = "pickup"


class PaymentStart(BaseModel):
    """What to do right after checkout: e.g. send the buyer to a provider's page."""

    redirect_url: str


class PaymentOption(BaseModel):
    """A method as a checkout form lists it (``label`` is a msgid, translated in the page)."""

    code: str
    label: str


class PaymentMethod(ABC):
    """A way of paying for an order.

    Attributes:
        code: Stored in ``shop_order.payment_method`` (at most 20 characters).
        label: Catalogue msgid naming the method for buyers.
        charges_shipping: False when the buyer collects the goods (no shipping, no address).
    """

    code: ClassVar[str]
    label: ClassVar[str]
    charges_shipping: ClassVar[bool] = True

    @abstractmethod
    def available_for(self, shop: Shop) -> bool:
        """Whether ``shop`` accepts this method."""

    @abstractmethod
    def instructions(self, order: Order, lang: str = "en") -> str:
        """What the buyer must do to pay, shown on the order page and in the email."""

    def start_payment(self, orders: Sequence[Order]) -> PaymentStart | None:
        """Called at the end of checkout, inside its transaction; None = nothing to start.

        A provider that needs a network call should return a redirect to one of our
        routes that creates the provider session after commit, not call out here.
        """
        return None

    def option(self) -> PaymentOption:
        return PaymentOption(code=self.code, label=self.label)


def _amount(order: Order, lang: str) -> str:
    return format_money(order.total_cents, order.currency, "de_DE" if lang == "de" else "en_US")


class BankTransfer(PaymentMethod):
    """The buyer transfers the total to the shop's account, quoting the order reference."""

    code = BANK_TRANSFER
    label = N_("Bank transfer")

    def available_for(self, shop: Shop) -> bool:
        return bool(shop.accepts_bank_transfer and shop.payment_details.strip())

    def instructions(self, order: Order, lang: str = "en") -> str:
        # The payment details are the snapshot taken at checkout, not the shop's current ones.
        return gettext(
            lang,
            N_(
                "Please transfer {amount} to {shop}:\n{details}\n"
                "Quote the reference {reference} so the shop can match your payment."
            ),
        ).format(
            amount=_amount(order, lang),
            shop=order.shop_name,
            details=order.payment_details,
            reference=order.reference,
        )


class PayOnPickup(PaymentMethod):
    """The buyer collects the order from the maker and pays then; nothing is shipped."""

    code = PICKUP
    label = N_("Pay on pickup")
    charges_shipping = False

    def available_for(self, shop: Shop) -> bool:
        return bool(shop.accepts_pickup)

    def instructions(self, order: Order, lang: str = "en") -> str:
        return gettext(
            lang,
            N_(
                "Pay {amount} when you collect your order from {shop}. The shop will get in "
                "touch to arrange a time. Your reference is {reference}."
            ),
        ).format(amount=_amount(order, lang), shop=order.shop_name, reference=order.reference)


METHODS: dict[str, PaymentMethod] = {m.code: m for m in (BankTransfer(), PayOnPickup())}


def get_method(code: object) -> PaymentMethod:
    """The method registered under ``code``, or InvalidInput (codes come from the browser)."""
    method = METHODS.get(code) if isinstance(code, str) else None
    if method is None:
        raise InvalidInput("Please choose how you want to pay.", field="payment_method")
    return method


def methods_for(shop: Shop) -> list[PaymentMethod]:
    """The methods ``shop`` accepts, in registry order."""
    return [m for m in METHODS.values() if m.available_for(shop)]
