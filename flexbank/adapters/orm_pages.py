"""Tables the pages need beyond the interchange format (same metadata as
:mod:`flexbank.adapters.orm`; created by migration 0004):

- ``details``: what people read but the matcher never does: a client's name, address,
  phone and care needs; a provider's address and pay rate (per hour).
- ``availability_patterns``: a worker's weekly pattern ("Mondays 07:00-15:00"), turned
  into availability periods for the weeks ahead.
- ``sign_in_links``: one-time sign-in links sent by email (only their hashes are kept).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from flexbank.adapters.orm import Base


class DetailRow(Base):
    __tablename__ = "details"
    __table_args__ = (UniqueConstraint("kind", "subject_id", name="uq_details_kind_subject"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))  # client or provider
    subject_id: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str | None] = mapped_column(String(50))
    needs: Mapped[str | None] = mapped_column(Text)
    pay_rate: Mapped[float | None] = mapped_column(Float)


class PatternRow(Base):
    __tablename__ = "availability_patterns"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    worker_id: Mapped[str] = mapped_column(ForeignKey("workers.id", ondelete="CASCADE"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)  # 0 Monday .. 6 Sunday
    start: Mapped[str] = mapped_column(String(5))  # local HH:MM
    end: Mapped[str] = mapped_column(String(5))  # local HH:MM; not after start: next day
    created_at: Mapped[dt.datetime]


class SignInLinkRow(Base):
    __tablename__ = "sign_in_links"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[dt.datetime]
    expires_at: Mapped[dt.datetime]
    used_at: Mapped[dt.datetime | None]
