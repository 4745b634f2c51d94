"""Booking journey (issue 4): on the demo clinic, as people would do it in a browser.

A person joins the waitlist for the reduced-rate clinic; a visitor finds a practicum student on
the team page, books a free consultation, confirms it by the emailed link and gets a confirmation
with a calendar file; the front desk sees it in the calendar; the visitor cancels by the emailed
link, and the waitlisted person gets an offer. Every .ics attached to an email is parsed with the
icalendar library and checked against RFC 5545's rules for lines and required properties.
"""
from __future__ import annotations

import re
import uuid
from datetime import date, timezone

from common import (open_in_calendar, check_server_health, close_journey, DESKTOP, PHONE, AppServer, Browser, CheckFailed, Results, expect, fill, log, set_viewport, sign_in)

DEMO_STUDENT_SLUG = "priya-natarajan"
DEMO_RECEPTION = "frontdesk@harbourview-ipt.example"
DEMO_STUDENT = "priya.natarajan@harbourview-ipt.example"
DEMO_DIRECTOR = "director@harbourview-ipt.example"



def open_a_day_with_times(b, at_least: int) -> None:
    """The free-times page opens on the first day with a free time. Late on some evenings that day
    is tomorrow with one time left before the minimum notice takes it (the journey once failed at
    19:24 in Toronto for that reason), so open the first day of the strip, this week or the next,
    with at least `at_least` times."""
    for _ in range(2):
        if len(b.css("main a.bk-chip")) >= at_least:
            return
        for link in b.css("main a"):
            count = link.find_elements("css selector", ".bk-day-count")
            words = count[0].text.split() if count else []
            if words and words[0].isdigit() and int(words[0]) >= at_least:
                b.click_and_load(link)
                return
        following = [a for a in b.css("main a") if a.text.startswith("Next week")]
        if not following:
            return
        b.click_and_load(following[0])

def demo_password(srv: AppServer) -> str:
    """The demo clinic's generated password, printed once at first start."""
    text = srv.log_path.read_text(errors="replace")
    m = re.search(r"password, shown only now:\s+(\S+)", text)
    expect(m is not None, "the demo server did not print its password")
    return m.group(1)


def check_ics(msg, expect_method: str) -> str:
    """The attached calendar file parses, has what RFC 5545 requires, and folds its lines."""
    import icalendar
    parts = [p for p in msg.walk() if p.get_content_type() == "text/calendar"]
    expect(len(parts) == 1, f"expected one text/calendar attachment, found {len(parts)}")
    raw = parts[0].get_payload(decode=True)
    expect(b"\r\n" in raw and b"\n" not in raw.replace(b"\r\n", b""), "the .ics does not use CRLF line ends throughout")
    long_lines = [line for line in raw.split(b"\r\n") if len(line) > 75]
    expect(not long_lines, f"lines longer than 75 octets: {long_lines[:2]}")
    cal = icalendar.Calendar.from_ical(raw)
    expect(str(cal.get("VERSION")) == "2.0", "VERSION is not 2.0")
    expect(cal.get("PRODID") is not None, "no PRODID")
    expect(str(cal.get("METHOD")) == expect_method, f"METHOD is {cal.get('METHOD')}, expected {expect_method}")
    events = list(cal.walk("VEVENT"))
    expect(len(events) == 1, f"expected one VEVENT, found {len(events)}")
    ev = events[0]
    for prop in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
        expect(ev.get(prop) is not None, f"VEVENT has no {prop}")
    start = ev.decoded("DTSTART")
    end = ev.decoded("DTEND")
    expect(start.tzinfo is not None and start.utcoffset().total_seconds() == 0, "DTSTART is not a UTC time")
    expect(end > start, "DTEND is not after DTSTART")
    return f"{expect_method} {start.astimezone(timezone.utc):%Y-%m-%d %H:%M}Z to {end:%H:%M}Z, SEQUENCE {ev.get('SEQUENCE')}"


def link_in(msg, path_prefix: str, base: str) -> str:
    from common import email_text
    body = email_text(msg)
    m = re.search(re.escape(base) + r"(" + re.escape(path_prefix) + r"[A-Za-z0-9_\-]+)", body)
    expect(m is not None, f"no {path_prefix} link in the email {msg['Subject']!r}:\n{body[:600]}")
    return m.group(1)


def journey_booking(res: Results, art) -> bool:
    srv = AppServer(art, "booking-server", demo=True)
    browsers = []
    tag = uuid.uuid4().hex[:6]
    today = date.today()
    st: dict = {"onset": f"{today.year - 1}-11", "loss": f"{today.year - 1}-09",
                "name": f"Bo Booker {tag}", "email": f"bo.{tag}@example.net",
                "wait_name": f"Wes Waiting {tag}", "wait_email": f"wes.{tag}@example.net"}
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("booking: start the demo server", str(e))
        return False
    import a11y_html  # here, not at the top: a11y_html imports this module too
    aud = a11y_html.Auditor(res, a11y_html.Axe(), art)
    try:
        waiter = Browser(srv.base, art, "booking-waitlist-")
        visitor = Browser(srv.base, art, "booking-visitor-")
        desk = Browser(srv.base, art, "booking-desk-")
        browsers += [waiter, visitor, desk]

        def join_waitlist():
            waiter.get("/waitlist")
            waiter.shot("e-waitlist-form")
            waiter.click(waiter.one("#field-type-consultation"))
            waiter.click(waiter.one("#field-with-reduced"))
            fill(waiter, "#field-name", st["wait_name"])
            fill(waiter, "#field-email", st["wait_email"])
            fill(waiter, "#field-phone", "416-555-0166")
            waiter.driver.execute_script("document.getElementById('field-dateOfBirth').value = '1992-03-04'")
            waiter.click(waiter.one("#field-consent"))
            waiter.click_and_load(waiter.button("Join the waitlist", "main form"))
            expect(waiter.path() == "/waitlist/thanks", f"after joining, the browser is at {waiter.path()} ({waiter.h1()!r})")
            waiter.shot("e-waitlist-thanks")
            return waiter.h1()

        def team_to_times():
            visitor.get("/team")
            visitor.click_and_load(visitor.link("Priya Natarajan", "main"))
            visitor.shot("e-profile-with-booking")
            visitor.click_and_load(visitor.link("Book a free consultation with Priya", "main"))
            expect(visitor.path().startswith("/book/times"), f"the booking link led to {visitor.path()}")
            text = visitor.one("main").text
            expect("America/Toronto" in text, "the free times do not name the clinic's time zone")
            slots = visitor.css("main a.bk-chip")
            expect(len(slots) > 0, "no free times offered for Priya")
            visitor.shot("e-free-times")
            st["slot_label"] = slots[0].text.strip()
            visitor.click_and_load(slots[0])
            expect(visitor.path().startswith("/book/details"), f"choosing a time led to {visitor.path()}")
            return f"{len(slots)} free times; chose {st['slot_label']}"

        def details():
            b = visitor
            b.click_and_load(b.button("Request this appointment", "main form"), expect_status=422)
            expect(b.css(".error-summary"), "sending the empty form shows no error summary")
            b.shot("e-details-errors")
            fill(b, "#field-name", st["name"])
            fill(b, "#field-email", st["email"])
            fill(b, "#field-phone", "416-555-0142")
            b.driver.execute_script("document.getElementById('field-dateOfBirth').value = '1994-06-15'")
            b.click(b.one("#field-consent"))
            b.shot("e-details-filled")
            b.click_and_load(b.button("Request this appointment", "main form"))
            expect(b.path() == "/book/check-your-inbox", f"after sending the details the browser is at {b.path()} ({b.h1()!r})")
            b.shot("e-check-inbox")
            return b.h1()

        def confirm_by_email():
            msg = srv.wait_for_email(st["email"], "Please confirm")
            path = link_in(msg, "/book/confirm/", srv.base)
            visitor.get(path)
            visitor.shot("e-confirm-page")
            visitor.click_and_load(visitor.button("Confirm this appointment", "main form"))
            expect("confirmed" in visitor.h1().lower(), f"after confirming the page says {visitor.h1()!r}")
            visitor.shot("e-confirmed")
            return visitor.h1()

        def confirmation_email():
            msg = srv.wait_for_email(st["email"], "Your appointment is confirmed")
            from common import email_text
            body = email_text(msg)
            expect("Eastern" in body and "America/Toronto" in body, "the confirmation does not name the time zone")
            st["manage_path"] = link_in(msg, "/appointments/", srv.base)
            return check_ics(msg, "REQUEST")

        def desk_sees_it():
            sign_in(desk, DEMO_RECEPTION, demo_password(srv))
            desk.get("/staff/calendar")
            desk.shot("e-staff-calendar-today")
            # The booking is at least a day ahead and may be next week: the day view, day by day.
            link = open_in_calendar(desk, st["name"])
            desk.shot("e-staff-calendar-with-booking")
            desk.click_and_load(link)
            expect(st["email"] in desk.one("main").text, "the appointment page does not show the client's email")
            desk.shot("e-staff-appointment")
            return desk.h1()

        def client_cancels():
            visitor.get(st["manage_path"])
            visitor.shot("e-manage-page")
            visitor.click_and_load(visitor.button("Cancel this appointment", "main form"))
            expect("cancelled" in visitor.h1().lower(), f"after cancelling the page says {visitor.h1()!r}")
            visitor.shot("e-cancelled")
            msg = srv.wait_for_email(st["email"], "cancelled")
            return check_ics(msg, "CANCEL")

        def waitlist_offer():
            msg = srv.wait_for_email(st["wait_email"], "A time has opened up")
            path = link_in(msg, "/book/confirm/", srv.base)
            waiter.get(path)
            waiter.shot("e-offer-page")
            waiter.click_and_load(waiter.button("Accept this appointment", "main form"))
            expect("confirmed" in waiter.h1().lower(), f"accepting the offer shows {waiter.h1()!r}")
            confirmation = srv.wait_for_email(st["wait_email"], "Your appointment is confirmed")
            return "offer accepted; " + check_ics(confirmation, "REQUEST")

        clinician = Browser(srv.base, art, "booking-clinician-")
        director = Browser(srv.base, art, "booking-director-")
        browsers += [clinician, director]

        def appointment_grants_nothing_until_accepted():
            # The student holds the appointment but the client is on no care team yet: no forms.
            sign_in(clinician, DEMO_STUDENT, demo_password(srv))
            clinician.click_and_load(open_in_calendar(clinician, st["wait_name"]))
            st["appointment_path"] = clinician.path()
            text = clinician.one("main").text
            expect("not on your care team" in text and not clinician.css("button[formaction$='in-session']"),
                   "a booking alone lets the clinician send clinical forms")
            clinician.shot("e-appointment-before-acceptance")
            # The director accepts the client and names the student as the treating clinician.
            sign_in(director, DEMO_DIRECTOR, demo_password(srv))
            director.click_and_load(director.link("Clients", "nav.staff-side"))
            director.click_and_load(director.link(st["wait_name"], "main"))
            expect(director.path().endswith("/care-team"), f"the waiting client's link led to {director.path()}")
            aud.page(director, "/staff/clients/<id>/care-team (empty)")
            director.click_and_load(director.button("Accept and assign", "main form"), expect_status=422)
            options = director.css("#field-clinician option")
            priya = next(o for o in options if o.text.startswith("Priya Natarajan"))
            priya.click()
            director.click_and_load(director.button("Accept and assign", "main form"))
            text = director.one("main").text
            expect("Treating clinician" in text and "Supervisor" in text, "the team does not list the student and her supervisor")
            director.shot("e-care-team")
            aud.page(director, "/staff/clients/<id>/care-team")
            return "no forms before acceptance; director names Priya, her supervisor joins"

        def clinician_sends_questionnaire():
            clinician.get(st["appointment_path"])
            clinician.shot("e-clinician-appointment")
            clinician.click_and_load(clinician.button("Send the link", "main form"))
            msg = srv.wait_for_email(st["wait_email"], "A few questions")
            from common import email_text
            # The links are left out first: a random token can hold "PHQ" (a run failed on one).
            words = re.sub(r"https?://\S+", "", email_text(msg))
            named = [name for name in ("PHQ", "GAD", "Patient Health", "Generalized Anxiety", "depression", "anxiety") if name in words]
            expect(not named, f"the questionnaire email names the questionnaire ({named})")
            st["questionnaire"] = link_in(msg, "/questionnaire/", srv.base)
            return st["questionnaire"][:30] + "..."

        def client_answers_on_a_phone():
            set_viewport(waiter.driver, *PHONE)
            try:
                waiter.get(st["questionnaire"])
                aud.page(waiter, "/questionnaire/<token> (phone)")
                # A draft with item 9 answered: the crisis lines show on saving, and the clinician is told.
                waiter.click(waiter.one("#field-item-9-1"))
                waiter.click_and_load(waiter.button("Save and finish later", "main form"))
                expect("9-8-8" in waiter.one(".crisis-now").text, "no crisis resources after saving a draft with a risk answer")
                waiter.shot("e-questionnaire-draft-crisis")
                aud.page(waiter, "/questionnaire/<token> saved with a risk answer (phone)")
                waiter.get(st["questionnaire"])
                for item in range(1, 10):
                    value = 1 if item in (2, 9) else 0
                    waiter.click(waiter.one(f"#field-item-{item}-{value}"))
                waiter.shot("e-questionnaire-filled")
                waiter.click_and_load(waiter.button("Send my answers", "main form"))
                text = waiter.one("main").text
                expect("9-8-8" in text, "no crisis resources after a risk answer")
                waiter.shot("e-questionnaire-crisis-resources")
            finally:
                set_viewport(waiter.driver, *DESKTOP)
            return "crisis resources shown on the draft and on sending"

        def clinician_sees_the_alert():
            clinician.get("/staff")
            expect(clinician.css("main [aria-labelledby='today-alerts'] li"), "Today does not list the open alert")
            clinician.click_and_load(clinician.link("Risk alerts", "nav.staff-side"))
            link = next(a for a in clinician.css("main table a"))
            clinician.click_and_load(link)
            expect("Several days" in clinician.one("main").text, "the alert does not show the answer that raised it")
            clinician.shot("e-alert")
            aud.page(clinician, "/staff/alerts/<id>")
            clinician.click_and_load(clinician.button("Record and close the alert", "main form"), expect_status=422)
            fill(clinician, "#field-assessment", "Called the same day: passive thoughts, no plan or intent.")
            fill(clinician, "#field-plan", "Safety plan reviewed; 9-8-8 and supports agreed.")
            clinician.click_and_load(clinician.button("Record and close the alert", "main form"))
            expect("No open alerts" in clinician.one("main").text, "the alert is still open after the follow-up")
            return "closed with a follow-up"

        def intake_on_a_phone():
            clinician.get(st["appointment_path"])
            clinician.click_and_load(clinician.button("Send the intake forms", "main form"))
            msg = srv.wait_for_email(st["wait_email"], "Your forms before your first session")
            path = link_in(msg, "/intake/", srv.base)
            set_viewport(waiter.driver, *PHONE)
            try:
                waiter.get(path)
                aud.page(waiter, "/intake/<token> (phone)")
                expect("supervised by Dr. Henrik Larsen" in waiter.one("main").text, "no supervision disclosure naming the supervisor")
                fill(waiter, "#field-emergencyName", "Lee Example")
                fill(waiter, "#field-emergencyPhone", "416-555-0188")
                for kind in ("treatment", "privacy", "supervision"):
                    waiter.click(waiter.one(f"#field-consent-{kind}"))
                fill(waiter, "#field-typedName", st["wait_name"])
                waiter.shot("e-intake-filled")
                waiter.click_and_load(waiter.button("Sign and send", "main form"))
                expect("forms are in" in waiter.h1(), f"after signing the page says {waiter.h1()!r}")
            finally:
                set_viewport(waiter.driver, *DESKTOP)
            clinician.get(st["appointment_path"])
            expect("Supervision of a practicum student, version" in clinician.one("main").text, "the signed consents are not on the appointment page")
            return "three consents signed on a 390-pixel-wide screen"

        def self_assessment_on_a_phone():
            clinician.get(st["appointment_path"])
            clinician.click_and_load(clinician.button("Send the pre-therapy self-assessment", "main form"))
            msg = srv.wait_for_email(st["wait_email"], "Before your first sessions")
            path = link_in(msg, "/self-assessment/", srv.base)
            set_viewport(waiter.driver, *PHONE)
            try:
                waiter.get(path)
                aud.page(waiter, "/self-assessment/<token> (phone)")
                waiter.click(waiter.one("#field-distress-family-4"))
                waiter.click(waiter.one("#field-course-comes-and-goes"))
                waiter.driver.execute_script("document.getElementById('field-onset').value = arguments[0]", st["onset"])
                waiter.click(waiter.one("#field-event-death-in-family"))
                waiter.driver.execute_script("document.getElementById('field-event-death-in-family-month').value = arguments[0]", st["loss"])
                from selenium.webdriver.support.ui import Select
                Select(waiter.one("#field-event-death-in-family-impact")).select_by_value("3")
                fill(waiter, "#field-moodSituations", "When my brother calls about the funeral costs.")
                waiter.shot("e-self-assessment-filled")
                waiter.click_and_load(waiter.button("Send my answers", "main form"))
                expect(waiter.h1() == "Thank you", f"after sending the self-assessment the page says {waiter.h1()!r}")
            finally:
                set_viewport(waiter.driver, *DESKTOP)
            return "sent on a 390-pixel-wide screen"

        def clinician_reads_summary_and_progress():
            clinician.get(st["appointment_path"])
            clinician.click_and_load(clinician.link(next(a.text for a in clinician.css("main a") if a.text.startswith("Pre-therapy self-assessment")), "main"))
            text = clinician.one("main").text
            expect("Suggested focus, for discussion" in text and "-> grief" in text, "the summary shows no grief suggestion with its reason")
            clinician.shot("e-self-assessment-summary")
            aud.page(clinician, "/staff/self-assessments/<id>")
            clinician.get(st["appointment_path"])
            clinician.click_and_load(clinician.link("Scores over time", "main"))
            expect(bool(clinician.css("main svg.progress-chart")), "no chart on the progress page")
            clinician.shot("e-progress")
            aud.page(clinician, "/staff/clients/<id>/progress")
            # The FHIR export, checked by a real FHIR library. fhir.resources 8 models R4B (4.3.0);
            # Bundle, Questionnaire and QuestionnaireResponse as exported here are the same in R4.
            from fhir.resources.R4B.bundle import Bundle
            href = clinician.link("download the answers as FHIR R4 (JSON)", "main").get_attribute("href")
            export = clinician.cookie_session().get(href, timeout=10)
            expect(export.status_code == 200, f"the FHIR export answered {export.status_code}")
            bundle = Bundle.model_validate(export.json())
            kinds = sorted(e.resource.__resource_type__ for e in bundle.entry)
            expect(kinds == ["Questionnaire", "QuestionnaireResponse"], f"unexpected resources in the export: {kinds}")
            return "suggestion with reasons; chart drawn; FHIR Bundle valid (" + ", ".join(kinds) + ")"

        def booking_with_an_existing_clients_details():
            # Someone types the accepted client's name, email and date of birth into the public form.
            impostor = Browser(srv.base, art, "booking-impostor-")
            browsers.append(impostor)
            impostor.get(f"/book/times?type=consultation&with=reduced")
            open_a_day_with_times(impostor, at_least=2)
            slots = impostor.css("main a.bk-chip")
            expect(len(slots) > 1, "no free times to book")
            impostor.click_and_load(slots[-1])
            fill(impostor, "#field-name", st["wait_name"])
            fill(impostor, "#field-email", st["wait_email"])
            fill(impostor, "#field-phone", "416-555-0177")
            impostor.driver.execute_script("document.getElementById('field-dateOfBirth').value = '1992-03-04'")
            impostor.click(impostor.one("#field-consent"))
            impostor.click_and_load(impostor.button("Request this appointment", "main form"))
            expect(impostor.path() == "/book/check-your-inbox", f"the booking was answered differently: {impostor.path()}")
            # The front desk sees a possible duplicate; the record with the answers is untouched.
            desk.get("/staff/duplicates")
            text = desk.one("main").text
            expect(st["wait_name"] in text and "the same name and date of birth" in text, "no possible-duplicate task for the desk")
            desk.shot("e-possible-duplicate")
            aud.page(desk, "/staff/duplicates")
            desk.click_and_load(desk.button("Different people: keep apart", "main form"))
            expect("Kept apart" in desk.one("main").text, "keeping the records apart is not confirmed")
            return "a separate record; a task for the desk, kept apart"

        def client_portal_on_a_phone():
            set_viewport(waiter.driver, *PHONE)
            try:
                waiter.get("/")
                waiter.click_and_load(waiter.link("Your appointments", "footer"))
                fill(waiter, "#field-email", st["wait_email"])
                waiter.click_and_load(waiter.button("Email me a sign-in link", "main form"))
                msg = srv.wait_for_email(st["wait_email"], "Your sign-in link")
                waiter.get(link_in(msg, "/portal/sign-in/", srv.base))
                expect(waiter.path() == "/portal", f"after the link the browser is at {waiter.path()}")
                text = waiter.one("main").text
                expect("Consent to treatment" in text and "PHQ-9" in text, "the portal does not list the consents and the questionnaire")
                waiter.shot("e-portal")
                aud.page(waiter, "/portal (phone)")
            finally:
                set_viewport(waiter.driver, *DESKTOP)
            return "signed in by a one-time link; appointments, consents and questionnaires listed"

        ok = res.steps("booking", [
            ("someone joins the waitlist for the reduced-rate clinic", join_waitlist),
            ("a visitor goes from the team page to Priya's free times and picks one", team_to_times),
            ("the details form refuses an empty form, then takes the details", details),
            ("the visitor confirms by the emailed link", confirm_by_email),
            ("the confirmation email names the zone and carries a valid .ics", confirmation_email),
            ("the front desk finds the booking in the calendar and opens it", desk_sees_it),
            ("the visitor cancels by the emailed link (the .ics says CANCEL)", client_cancels),
            ("the waitlisted person gets an offer and accepts it", waitlist_offer),
            ("the appointment alone opens nothing; the director accepts the client and names the student", appointment_grants_nothing_until_accepted),
            ("the student clinician (two-factor) sends a questionnaire from the appointment", clinician_sends_questionnaire),
            ("the client answers on a phone-sized screen; a risk answer shows the crisis lines at once", client_answers_on_a_phone),
            ("the clinician sees the alert on the dashboard and closes it only with a follow-up", clinician_sees_the_alert),
            ("the client signs the intake forms and consents on a phone-sized screen", intake_on_a_phone),
            ("the client fills in the pre-therapy self-assessment on a phone-sized screen", self_assessment_on_a_phone),
            ("the clinician reads the summary with the suggested focus, and the chart of scores", clinician_reads_summary_and_progress),
            ("a booking with an existing client's details reaches a new record and a task for the desk", booking_with_an_existing_clients_details),
            ("the client signs in to the portal by a one-time link on a phone-sized screen", client_portal_on_a_phone),
        ])
        check_server_health(res, "booking", srv, browsers)
        return ok
    except CheckFailed as e:
        res.fail("booking: setup", str(e))
        return False
    finally:
        close_journey("booking", srv, browsers)
