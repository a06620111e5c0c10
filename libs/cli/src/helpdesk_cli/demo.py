"""Demo traffic for ``make run``: channel adapters opening tickets, customers replying, agents working.

Talks to intake over HTTP only, as a real adapter and the agents' desk would. Bounded: it stops after
``DEMO_TICKETS`` tickets (default 200) or when interrupted.
"""

from __future__ import annotations

import contextlib
import os
import random
import time
import uuid
from datetime import UTC, datetime

import httpx

INTAKE = os.environ.get("HELPDESK_INTAKE_URL", "http://localhost:8081")
PROJECTIONS = os.environ.get("HELPDESK_PROJECTIONS_URL", "http://localhost:8080")
ADAPTER = {"Authorization": "Bearer dev-adapter-key"}
AGENT = {"Authorization": "Bearer dev-agent-key"}
ANALYST = {"Authorization": "Bearer dev-analyst-key"}

REQUESTS = [
    ("La impresora no imprime", "Desde esta mañana la impresora de la planta 2 no imprime nada."),
    ("No puedo conectar a la VPN", "La VPN me da error de autenticación desde casa."),
    ("Olvidé mi contraseña", "No puedo entrar a mi cuenta de correo, ¿me ayudan con el acceso?"),
    ("Duda sobre mi nómina", "En la nómina de este mes falta el plus de transporte."),
    ("Printer not working", "The printer on floor 3 is not printing since this morning."),
    ("Outlook keeps crashing", "Outlook crashes every time I open the calendar. Please help."),
    ("Laptop screen flickers", "My laptop monitor flickers when I plug the dock."),
    ("Solicitud de vacaciones", "Quiero pedir vacaciones del 2 al 6 de diciembre."),
    ("Wifi muy lenta", "La red wifi de la sala de reuniones va muy lenta."),
    ("URGENTE: sistema de facturación caído", "El sistema de facturación está caído y no podemos emitir facturas."),
]
CHANNELS = ["email", "web", "chat", "whatsapp", "phone", "social"]
PEOPLE = [
    ("ana@example.com", "Ana García"),
    ("john@example.com", "John Smith"),
    ("lucia.r@example.com", "Lucía Romero"),
    ("pedro@example.com", "Pedro Sánchez"),
    ("mary@example.com", "Mary Jones"),
]


def sender(channel: str, email: str, name: str) -> dict[str, str]:
    if channel in ("whatsapp", "phone"):
        return {"phone": f"+3460{abs(hash(email)) % 10_000_000:07d}", "name": name}
    if channel in ("chat", "social"):
        return {"handle": email.split("@")[0], "name": name, "platform": "web" if channel == "chat" else "x"}
    return {"email": email, "name": name}


def main() -> None:
    rnd = random.Random(int(os.environ.get("DEMO_SEED", "7")))  # noqa: S311 - demo data, not security
    total = int(os.environ.get("DEMO_TICKETS", "200"))
    folios: list[str] = []
    with httpx.Client(timeout=5) as client:
        for n in range(total):
            subject, body = rnd.choice(REQUESTS)
            channel = rnd.choice(CHANNELS)
            email, name = rnd.choice(PEOPLE)
            mid = f"demo-{uuid.uuid4()}"
            msg = {
                "message_id": mid,
                "channel": channel,
                "received_at": datetime.now(UTC).isoformat(),
                "sender": sender(channel, email, name),
                "subject": subject,
                "body": body,
                "thread_ref": f"conv-{uuid.uuid4().hex[:10]}" if channel in ("chat", "whatsapp", "social") else None,
            }
            try:
                client.post(
                    f"{INTAKE}/v1/inbound", json={k: v for k, v in msg.items() if v is not None}, headers=ADAPTER
                )
                time.sleep(0.5)
                outcome = client.get(f"{INTAKE}/v1/inbound/{mid}", headers=ADAPTER).json()
                if outcome.get("folio"):
                    folios.append(outcome["folio"])
                    print(f"demo: {channel:8} {outcome['folio']} {subject}", flush=True)
                if folios and rnd.random() < 0.6:
                    _agent_works(client, rnd, rnd.choice(folios))
            except httpx.HTTPError as exc:
                print(f"demo: {exc!r}", flush=True)
            time.sleep(rnd.uniform(1.0, 3.0))
            if n % 20 == 19:
                folios = folios[-30:]


def _agent_works(client: httpx.Client, rnd: random.Random, folio: str) -> None:
    view = client.get(f"{PROJECTIONS}/v1/tickets/{folio}", headers=ANALYST)
    if view.status_code != 200:
        return
    ticket = view.json()["ticket"]
    agent = ticket.get("assignee") or "lucia"
    if ticket["status"] in ("new", "open") and not ticket.get("first_response_at"):
        client.post(
            f"{INTAKE}/v1/tickets/{folio}/replies",
            json={"agent_id": agent, "body": "Hola, estamos revisándolo. / Hi, we are looking into it."},
            headers=AGENT,
        )
    elif ticket["status"] in ("new", "open", "pending") and rnd.random() < 0.7:
        client.post(
            f"{INTAKE}/v1/tickets/{folio}/status",
            json={"agent_id": agent, "status": "resolved", "resolution": "Resuelto: se reinició el servicio afectado."},
            headers=AGENT,
        )
    elif ticket["status"] == "resolved":
        client.post(f"{INTAKE}/v1/tickets/{folio}/status", json={"agent_id": agent, "status": "closed"}, headers=AGENT)


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        main()
