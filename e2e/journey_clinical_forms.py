"""Clinical forms journey (issue 15, section 5): the everyday forms on the richer demo clinic.

A registered therapist opens a client's notes, finds today's session without a note, goes to the
appointment and writes the note from it (numbered from the course, the last plan beside it), waits
for the draft to be kept as she types, reloads and finds it; then opens the inventory and the score
chart. Every screen is shot at desktop and phone sizes (a shot fails if the phone page scrolls
sideways), and the phone chart's text is measured.
"""
from __future__ import annotations

import time

from common import (AppServer, Browser, Results, check_server_health, close_journey, expect, fill, sign_in, PHONE)

THERAPIST = "daniel.reyes@harbourview-ipt.example"


def journey_clinical_forms(res: Results, art) -> bool:
    from booking_journey import demo_password

    srv = AppServer(art, "clinical-forms-server", demo=True)
    browsers: list = []
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("clinical forms: start the demo server", str(e))
        return False
    st: dict = {}
    try:
        daniel = Browser(srv.base, art, "forms-therapist-")
        browsers.append(daniel)

        def notes_owed():
            sign_in(daniel, THERAPIST, demo_password(srv))
            daniel.click_and_load(daniel.link("Clients", "nav.staff-side"))
            daniel.click_and_load(daniel.link("Theo Lambert", "main"))
            st["base"] = daniel.path().rsplit("/", 1)[0]
            chart = daniel.one("main").text
            expect("Session 8 of 16" in chart, "the chart does not say session 8 of 16 for Theo")
            daniel.click_and_load(daniel.link("Notes", "main nav"))
            owed = daniel.css("main ul.note-unwritten li")
            expect(len(owed) == 2, f"expected sessions 7 and 8 without a note, saw {len(owed)}")
            expect("Session 8" in owed[-1].text, f"the last session without a note is {owed[-1].text!r}")
            daniel.shot("forms-a-notes-owed")
            return "the notes list shows sessions 7 and 8 without a note"

        def write_from_the_appointment():
            daniel.click_and_load(daniel.css("main ul.note-unwritten li a")[-2])
            expect(daniel.path().startswith("/staff/appointments/"), f"the session link went to {daniel.path()}")
            daniel.shot("forms-b-appointment")
            daniel.click_and_load(daniel.link("Write note", "main"))
            expect("appointment=" in daniel.driver.current_url, "the note form does not carry the appointment")
            expect(daniel.one("#field-sessionNumber").get_attribute("value") == "8", "the note is not numbered 8, as the chart counts")
            aside = daniel.one("main aside.note-previous").text
            expect("Plan from session 6" in aside, f"the previous plan is not beside the form: {aside!r}")
            opened = daniel.driver.execute_script("return Array.from(document.querySelectorAll('details.note-section')).map(d => d.open)")
            expect(opened == [True, False, True], f"the sections open are {opened}, expected the phase's and the risk check")
            daniel.shot("forms-c-note-form")
            return "from the appointment: numbered 8, last plan beside, phase sections open"

        def autosave_and_reload():
            fill(daniel, "#field-mood", "Calmer this week; one evening out with Sam")
            fill(daniel, "#field-interpersonalEvents", "They agreed the Thursday pick-ups")
            deadline = time.time() + 15
            status = ""
            while time.time() < deadline:
                status = daniel.one("#note-saved").text
                if "Saved at" in status:
                    break
                time.sleep(0.5)
            expect("Saved at" in status, f"the draft was not saved as typed: {status!r}")
            expect("/notes/" in daniel.path() and "/new" not in daniel.path(), f"after the first save the address is {daniel.path()}")
            daniel.shot("forms-d-note-saved")
            daniel.get(daniel.path())
            expect(daniel.one("#field-mood").get_attribute("value") == "Calmer this week; one evening out with Sam",
                   "the reloaded page does not have the draft")
            expect("Saved at" in daniel.one("#note-saved").text, "the reloaded draft does not say when it was saved")
            return f"{status!r}; the reload shows the draft"

        def inventory():
            daniel.get(st["base"] + "/inventory")
            expect(len(daniel.css("main svg.closeness-circle[data-draggable] g.person")) == 3, "the circle does not show Theo's three people")
            labels = [t.text for t in daniel.css("main svg.closeness-circle[data-draggable] text.ring-label")]
            expect(labels[:3] == ["Inner", "Middle", "Outer"], f"ring labels {labels}")
            expect(len(daniel.css("main details.inv-section")) == 5, "the eleven questions are not folded into sections")
            daniel.shot("forms-e-inventory")
            return "circle with ring labels beside the folded form; cards on the phone"

        def progress_chart():
            daniel.get(st["base"] + "/progress")
            expect(daniel.css("main .note-export a"), "the FHIR download is not a quiet link at the foot")
            expect(not daniel.css("main a.button[href$='fhir']"), "the FHIR download is a button")
            daniel.shot("forms-f-progress")
            d = daniel.driver
            d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 1, "mobile": False})
            try:
                size = d.execute_script(
                    "const t = document.querySelector('main svg.progress-chart-compact text');"
                    "return t ? t.getBoundingClientRect().height : 0;")
            finally:
                d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
            expect(size >= 10, f"the phone chart's text is {size:.1f} px high")
            return f"phone chart text {size:.1f} px high"

        def timeline():
            daniel.get(st["base"] + "/timeline")
            month = daniel.one("#field-month")
            expect(month.get_attribute("type") == "month", "the month control is not a month input")
            width = daniel.driver.execute_script("return document.getElementById('field-month').getBoundingClientRect().width")
            expect(width >= 150, f"the month control is {width:.0f} px wide")
            daniel.shot("forms-g-timeline")
            return f"month control {width:.0f} px wide"

        res.steps("clinical forms", [
            ("a therapist sees the sessions without a note", notes_owed),
            ("writes the note from the appointment", write_from_the_appointment),
            ("the draft is kept as she types and survives a reload", autosave_and_reload),
            ("the inventory: circle beside the form", inventory),
            ("the score chart on a phone", progress_chart),
            ("the timeline's month control", timeline),
        ])
    finally:
        check_server_health(res, "clinical forms", srv, browsers)
        close_journey("clinical forms", srv, browsers)
    return True
