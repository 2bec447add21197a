"""Notification e-mails: subject, plain text and HTML from the Jinja2 templates.

Rendered by the delivery worker from the snapshot each notification stored when it was
written, so an e-mail says what was true when the event happened. Comment notifications of
one recipient and order that fall in the same digest window render as one e-mail.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formataddr, parseaddr

from jinja2 import Environment, PackageLoader, StrictUndefined

from domain.notifications import actor_label, status_label
from models import Notification, NotificationKind

# Control characters and line or paragraph separators: a header holds one line (rows stored
# before single-line fields refused them may still have some).
_NOT_IN_HEADER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]+")


def header_text(value: str) -> str:
    """`value` as one line for a header: each run of control characters becomes a space."""
    return " ".join(_NOT_IN_HEADER.sub(" ", value).split())


def _when(value: str | None) -> str:
    """An ISO time as people read it: 27 Nov 2026 14:05 UTC."""
    if not value:
        return ""
    return datetime.fromisoformat(value).astimezone(UTC).strftime("%d %b %Y %H:%M UTC")


def _environment(html: bool) -> Environment:
    env = Environment(
        loader=PackageLoader("domain", "email_templates"),
        autoescape=html,  # HTML escapes every value; plain text keeps them as written
        undefined=StrictUndefined,
        trim_blocks=html,
        lstrip_blocks=html,
        keep_trailing_newline=not html,
    )
    env.globals["status_label"] = status_label
    env.filters["when"] = _when
    return env


_text, _html = _environment(html=False), _environment(html=True)


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def order_link(public_url: str, order_global_id: str) -> str:
    return f"{public_url.rstrip('/')}/orders/{order_global_id}"


def render(rows: list[Notification], public_url: str) -> RenderedEmail:
    """One e-mail for `rows`: a single notification, or a digest of comments on one order."""
    first = rows[0]
    data = first.data
    subject = first.title
    context = dict(data)
    if first.kind is NotificationKind.COMMENT_ADDED:
        comments = [
            {**row.data["comment"], "author": actor_label(row.data)} for row in sorted(rows, key=lambda r: r.id)
        ]
        context["comments"] = comments
        if len(comments) > 1:
            subject = f"{len(comments)} new comments on {data['order']['name']}"
    context.update(
        subject=f"[{data['portal']}] {subject}",
        summary=first.body,
        actor=actor_label(data),
        link=order_link(public_url, data["order"]["id"]),
    )
    context.setdefault("recipient_name", None)
    context.setdefault("role", "recipient")
    text = _text.get_template(f"{first.kind.value}.txt").render(context)
    html = _html.get_template(f"{first.kind.value}.html").render(context)
    return RenderedEmail(subject=header_text(context["subject"]), text=text.strip() + "\n", html=html)


def build_message(rows: list[Notification], *, mail_from: str, public_url: str) -> EmailMessage:
    """The MIME message (plain text with an HTML alternative) for one recipient."""
    first = rows[0]
    recipient = first.email
    assert recipient is not None, "only notifications with an address are sent by e-mail"
    rendered = render(rows, public_url)
    message = EmailMessage()
    message["Subject"] = rendered.subject
    message["From"] = mail_from
    message["To"] = formataddr((header_text(first.data.get("recipient_name") or ""), recipient))
    # Stable per notification: should a crash make us send twice, mail clients merge the copies.
    sender_domain = parseaddr(mail_from)[1].rpartition("@")[2] or "provider-orders.invalid"
    message["Message-ID"] = f"<notification-{first.id}@{sender_domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(rendered.text)
    message.add_alternative(rendered.html, subtype="html")
    return message
