"""Calendar journey (issue 15, section 2): the front desk works the scheduling calendar.

On the demo clinic, the receptionist opens the day view (everyone) and a clinician's week, books an
appointment by clicking an empty time, drags it to another free time with the mouse (pointer
events, driven by Selenium's ActionChains), drags it onto a taken time and sees the free times the
server suggests, takes one of them, and reads the day as an agenda list on a phone.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from common import (DESKTOP, PHONE, AppServer, Browser, Results, check_server_health, close_journey, expect, fill, set_viewport, sign_in)

DEMO_RECEPTION = "frontdesk@harbourview-ipt.example"
DEMO_THERAPIST_NAME = "Daniel Reyes"


def demo_password(srv: AppServer) -> str:
    text = srv.log_path.read_text(errors="replace")
    m = re.search(r"password, shown only now:\s+(\S+)", text)
    expect(m is not None, "the demo server did not print its password")
    return m.group(1)


def working_day() -> date:
    """A Tuesday to Thursday at least two days ahead: the demo therapists work 9 to 5 then."""
    day = date.today() + timedelta(days=2)
    while day.weekday() not in (1, 2, 3):
        day += timedelta(days=1)
    return day


def journey_calendar(res: Results, art) -> bool:
    srv = AppServer(art, "calendar-server", demo=True)
    browsers: list = []
    tag = uuid.uuid4().hex[:6]
    day = working_day()
    st: dict = {}
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("calendar: start the demo server", str(e))
        return False
    try:
        b = Browser(srv.base, art, "calendar-")
        browsers.append(b)

        def block_of(appointment_path: str):
            return b.one(f'.cal-appt[href="{appointment_path}"]', "the appointment's block")

        def slot(time: str):
            return b.one(f'.cal-slot[href*="clinician={st["clinician"]}"][href*="date={day}"][href*="time={time.replace(":", "%3A")}"]',
                         f"the empty slot at {time}")

        def drag(appointment_path: str, time: str) -> None:
            """Holds the block near its top edge and drops that edge on the slot's top edge."""
            from selenium.webdriver.common.action_chains import ActionChains
            block = block_of(appointment_path)
            target = slot(time)
            b.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", target)
            bh = block.size["height"]
            th = target.size["height"]
            (ActionChains(b.driver)
             .move_to_element_with_offset(block, 0, -bh // 2 + 3).click_and_hold()
             .move_by_offset(0, 8).pause(0.1)
             .move_to_element_with_offset(target, 0, -th // 2 + 3).pause(0.1)
             .release().perform())

        def open_day() -> str:
            b.get(f"/staff/calendar?view=day&date={day}")
            expect(b.h1() == "Calendar", f"h1 is {b.h1()!r}")
            heads = [h.text for h in b.css(".cal-col .cal-head h3")]
            expect(DEMO_THERAPIST_NAME in heads, f"no column for {DEMO_THERAPIST_NAME}: {heads}")
            expect(bool(b.css(".cal-legend")) and "Working hours" in b.one(".cal-legend").text, "no legend")
            expect(bool(b.css(".cal-work")), "no working hours shaded")
            col = [c for c in b.css(".cal-col") if c.find_element("css selector", ".cal-head h3").text == DEMO_THERAPIST_NAME][0]
            st["clinician"] = col.find_element("css selector", ".cal-track").get_attribute("data-clinician")
            b.shot("day-view")
            return f"{len(heads)} clinician columns on {day}"

        def open_week() -> str:
            b.get(f"/staff/calendar?view=week&date={day}&clinician={st['clinician']}")
            cols = b.css(".cal-col")
            expect(len(cols) == 7, f"the week has {len(cols)} columns")
            current = b.one(".cal-switcher a[aria-current]").text
            expect(current == DEMO_THERAPIST_NAME, f"the switcher marks {current!r}")
            nohours = [c.find_element("css selector", ".cal-hours-text").text for c in cols[5:]]
            expect(all("No hours" in t for t in nohours), f"the weekend heads say {nohours}")
            b.shot("week-view")
            return "seven day columns; the weekend says it has no hours"

        def book_in_slot(time: str, name: str) -> str:
            b.get(f"/staff/calendar?view=week&date={day}&clinician={st['clinician']}")
            b.click_and_load(slot(time))
            expect(b.path().startswith("/staff/appointments/new"), f"the slot led to {b.path()}")
            expect(b.one("#field-time").get_attribute("value") == time, "the time is not prefilled")
            expect(b.one("#field-date").get_attribute("value") == str(day), "the date is not prefilled")
            from selenium.webdriver.support.ui import Select
            expect(Select(b.one("#field-clinician")).first_selected_option.text == DEMO_THERAPIST_NAME, "the clinician is not prefilled")
            fill(b, "#field-clientName", name)
            fill(b, "#field-clientEmail", f"{name.split()[0].lower()}.{tag}@example.net")
            fill(b, "#field-clientPhone", "416-555-0177")
            b.driver.execute_script("document.getElementById('field-clientDateOfBirth').value = '1990-04-12'")
            b.click_and_load(b.button("Book", "main form"), expect_status=None)
            expect(re.match(r"^/staff/appointments/[0-9A-Fa-f-]{36}\?done=created$", b.path()) is not None,
                   f"after booking the browser is at {b.path()} ({b.h1()!r})")
            return b.path().split("?")[0]

        def book_by_click() -> str:
            st["moving"] = book_in_slot("10:00", f"Cal Slotbook {tag}")
            b.shot("booked-from-slot")
            st["other"] = book_in_slot("14:00", f"Tay Taken {tag}")
            b.get(f"/staff/calendar?view=week&date={day}&clinician={st['clinician']}")
            expect(block_of(st["moving"]).get_attribute("data-start") == "600", "the new appointment is not at 10:00 on the grid")
            return f"booked at 10:00 ({st['moving']}) and 14:00"

        def drag_to_free_time() -> str:
            drag(st["moving"], "11:30")
            b.wait(15).until(lambda d: d.execute_script("return document.readyState") == "complete"
                             and d.find_elements("css selector", f'.cal-appt[href="{st["moving"]}"][data-start="690"]'))
            alert = b.one("#cal-alert").text
            expect("Moved" in alert, f"the calendar says {alert!r}")
            b.shot("dragged-to-free-time")
            return alert

        def drag_onto_taken_time() -> str:
            # 14:00 is taken (it has a block, not a slot link): drop the top edge on that block's top edge.
            from selenium.webdriver.common.action_chains import ActionChains
            block = block_of(st["moving"])
            other = block_of(st["other"])
            b.driver.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'})", other)
            (ActionChains(b.driver)
             .move_to_element_with_offset(block, 0, -block.size["height"] // 2 + 3).click_and_hold()
             .move_by_offset(0, 8).pause(0.1)
             .move_to_element_with_offset(other, 0, -other.size["height"] // 2 + 3).pause(0.1)
             .release().perform())
            b.wait(15).until(lambda d: d.find_elements("css selector", "#cal-alert .cal-alternatives button"))
            alert = b.one("#cal-alert").text
            expect("overlaps" in alert, f"the refusal says {alert!r}")
            expect(block_of(st["moving"]).get_attribute("data-start") == "690", "the refused move changed the grid")
            b.shot("drag-onto-taken-time")
            choices = [x.text for x in b.css("#cal-alert .cal-alternatives button")]
            b.click_and_load(b.css("#cal-alert .cal-alternatives button")[0], expect_status=None)
            b.wait(15).until(lambda d: "Moved" in d.find_element("css selector", "#cal-alert").text)
            expect(block_of(st["moving"]).get_attribute("data-start") != "690", "taking an alternative did not move it")
            return f"{len(choices)} alternatives offered, first taken: {choices[0]}"

        def phone_agenda() -> str:
            b.get(f"/staff/calendar?view=day&date={day}&clinician={st['clinician']}")
            set_viewport(b.driver, *PHONE)
            try:
                expect(not b.one(".cal-scroll").is_displayed(), "the grid still shows on a phone")
                items = [li.text for li in b.css(".cal-agenda-list li") if li.is_displayed()]
                expect(any(f"Cal Slotbook {tag}" in t for t in items), f"the agenda lists {items}")
                expect(b.one("details.cal-filters").get_attribute("open") is None, "the filters are not folded away")
            finally:
                set_viewport(b.driver, *DESKTOP)
            b.shot("phone-agenda")
            return f"{len(items)} appointments listed"

        return res.steps("calendar", [
            ("the receptionist signs in", lambda: sign_in(b, DEMO_RECEPTION, demo_password(srv))),
            ("day view: a column per clinician, hours shaded, legend", open_day),
            ("week view: one clinician, a switcher, weekend without hours", open_week),
            ("an empty slot opens a prefilled form and books there", book_by_click),
            ("dragging the appointment to a free time moves it", drag_to_free_time),
            ("dragging onto a taken time shows the free times nearby", drag_onto_taken_time),
            ("on a phone the day is an agenda list", phone_agenda),
        ])
    finally:
        check_server_health(res, "calendar", srv, browsers)
        close_journey("calendar", srv, browsers)
