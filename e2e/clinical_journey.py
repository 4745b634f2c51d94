"""Clinical workspace journey (issue 7): on the demo clinic, as clinicians would do it in a browser.

A registered therapist takes the demo client seen once for a first assessment session through the
course: agrees the treatment contract, takes the interpersonal inventory and moves people on the
closeness circle (by dragging and by the form), chooses the focus beside the intake's suggestion,
works a role-dispute worksheet whose stage changes, writes initial- and middle-phase notes, amends
a signed note, and signs a printable discharge summary. A practicum student's note then goes
through the supervisor's queue and is co-signed. Every page is checked with axe and html5lib.
"""
from __future__ import annotations

from common import (open_in_calendar, check_server_health, close_journey, DESKTOP, PHONE, AppServer, Browser, CheckFailed, Results, expect, fill, log, set_viewport, sign_in)

THERAPIST = "daniel.reyes@harbourview-ipt.example"
STUDENT = "priya.natarajan@harbourview-ipt.example"
SUPERVISOR = "henrik.larsen@harbourview-ipt.example"
DIRECTOR = "director@harbourview-ipt.example"


def journey_clinical(res: Results, art) -> bool:
    import a11y_html  # here, not at the top: a11y_html imports common too
    from booking_journey import demo_password, link_in
    from selenium.webdriver.common.action_chains import ActionChains

    srv = AppServer(art, "clinical-server", demo=True)
    browsers = []
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("clinical: start the demo server", str(e))
        return False
    aud = a11y_html.Auditor(res, a11y_html.Axe(), art)
    st: dict = {}
    try:
        daniel = Browser(srv.base, art, "clinical-therapist-")
        priya = Browser(srv.base, art, "clinical-student-")
        henrik = Browser(srv.base, art, "clinical-supervisor-")
        browsers += [daniel, priya, henrik]

        def chart_text() -> str:
            daniel.get(st["base"] + "/chart")
            return daniel.one("main").text

        def open_chart():
            sign_in(daniel, THERAPIST, demo_password(srv))
            daniel.click_and_load(daniel.link("Clients", "nav.staff-side"))
            daniel.click_and_load(daniel.link("Morgan Ellis", "main"))
            st["base"] = daniel.path().rsplit("/", 1)[0]
            text = daniel.one("main").text
            expect("No contract yet" in text and "PHQ-9 16" in text, "the chart does not show the missing contract and the first score")
            daniel.shot("a-chart-before-contract")
            aud.page(daniel, "/staff/clients/<id>/chart (no contract)")
            return "caseload lists the demo client; chart shows score and next appointment"

        def contract():
            daniel.click_and_load(daniel.link("Agree the treatment contract", "main"))
            expect(daniel.one("#field-agreedSessions").get_attribute("value") == "16", "the adult default of 16 sessions is not offered")
            aud.page(daniel, "/staff/clients/<id>/contract")
            fill(daniel, "#field-agreedSessions", "30")
            daniel.click_and_load(daniel.button("Save the contract", "main form"), expect_status=422)
            expect("allows courses of 8 to 20" in daniel.one(".error-summary").text, "no clear message for 30 sessions")
            fill(daniel, "#field-agreedSessions", "16")
            daniel.click(daniel.one("#field-clientAgreed"))
            daniel.click_and_load(daniel.button("Save the contract", "main form"))
            text = daniel.one("main").text
            expect("Session 2 of 16" in text and "Initial phase" in text, "the chart does not say session 2 of 16, initial phase")
            return "30 refused with the clinic's range; 16 saved; session 2 of 16, initial phase"

        def inventory():
            daniel.click_and_load(daniel.link("Inventory", "main nav"))
            daniel.click_and_load(daniel.button("Add to the inventory", "main form"), expect_status=422)
            expect(len(daniel.css(".error-summary li")) == 2, "the empty entry is not refused with a message for the name and the relationship")
            for name, relation, ring, conflicts in [("Alex", "Partner", "1", "About the move, most evenings; they end in silence"),
                                                    ("June", "Mother", "2", ""), ("Sam", "Colleague", "3", "")]:
                fill(daniel, "#field-name", name)
                fill(daniel, "#field-relationship", relation)
                daniel.click(daniel.one(f"#field-closeness-{ring}"))
                if conflicts:
                    # The questions are folded into sections (issue 15): open the one on conflict.
                    fold = next(d for d in daniel.css("main details.inv-section") if "Talking and conflict" in d.text)
                    if not fold.get_attribute("open"):
                        daniel.click(fold.find_element("css selector", "summary"))
                    fill(daniel, "#field-conflicts", conflicts)
                daniel.click_and_load(daniel.button("Add to the inventory", "main form"))
            expect(len(daniel.css("svg.closeness-circle g.person")) == 3, "the circle does not show three people")
            daniel.click_and_load(daniel.link("Alex", "main table"))
            aud.page(daniel, "/staff/clients/<id>/inventory/<entry>")
            daniel.click_and_load(daniel.link("Back to the inventory", "main"))
            # Drag Sam from the outer ring to the inner one, as a pointer user would.
            sam = next(g for g in daniel.css("svg.closeness-circle g.person") if g.text == "Sam")
            svg = daniel.one("svg.closeness-circle")
            box = svg.rect
            dot = sam.find_element("css selector", "circle").rect
            centre_x, centre_y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
            start_x, start_y = dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2
            ActionChains(daniel.driver).move_to_element(sam.find_element("css selector", "circle")).click_and_hold() \
                .move_by_offset(int((centre_x - start_x) * 0.8), int((centre_y - start_y) * 0.8)).release().perform()
            daniel.wait().until(lambda d: "done=saved" in d.current_url and d.execute_script("return document.readyState") == "complete")
            # Each row is headed by the person's name (a th), then relationship, at intake, now, move to.
            rows = {r.find_element("css selector", "th").text: r.find_elements("css selector", "td")[2].text
                    for r in daniel.css("main table tbody tr")}
            expect(rows.get("Sam") == "Inner", f"after dragging, Sam is on the {rows.get('Sam')!r} ring")
            # Move June outwards with the form, as a keyboard user would.
            row = next(r for r in daniel.css("main table tbody tr") if r.find_element("css selector", "th").text == "June")
            row.find_element("css selector", "select option[value='3']").click()
            daniel.click_and_load(row.find_element("css selector", "button"))
            expect(len(daniel.css("svg.closeness-circle")) == 2, "no side-by-side of the circle as first drawn and now")
            daniel.shot("b-inventory-circles")
            aud.page(daniel, "/staff/clients/<id>/inventory")
            return "3 people; Sam dragged to the inner ring; June moved out by the form; circles side by side"

        def formulation():
            daniel.click_and_load(daniel.link("Formulation", "main nav"))
            suggestion = daniel.one("main .suggestion").text
            expect("Role dispute" in suggestion or "Role transition" in suggestion, f"no suggestion with reasons: {suggestion[:200]!r}")
            daniel.click_and_load(daniel.button("Save the formulation", "main form"), expect_status=422)
            daniel.click(daniel.one("#field-primary-role-dispute"))
            fill(daniel, "#field-text", "Since the move, you and Alex expect different things about home and work, and the arguments "
                                        "have left you low. We will work on what each of you expects and how you talk about it.")
            daniel.click(daniel.one("#field-clientAgreed"))
            daniel.click_and_load(daniel.button("Save the formulation", "main form"))
            daniel.shot("c-formulation")
            aud.page(daniel, "/staff/clients/<id>/formulation")
            for task in ("Interpersonal inventory taken", "Focus area chosen", "Formulation given and agreed with the client"):
                daniel.get(st["base"] + "/chart")
                daniel.click_and_load(daniel.one(f"button[aria-label='Mark done: {task}']"))
            text = chart_text()
            expect("Focus\nRole dispute" in text or "Role dispute" in text, "the chart does not show the focus")
            expect(text.count("Done: ") == 3, f"expected three tasks done, saw {text.count('Done: ')}")
            daniel.shot("d-chart-initial-phase")
            aud.page(daniel, "/staff/clients/<id>/chart")
            return "suggestion shown beside the choice; role dispute saved; three initial tasks ticked"

        def worksheet():
            daniel.click_and_load(daniel.link("Worksheets", "main nav"))
            aud.page(daniel, "/staff/clients/<id>/worksheets")
            daniel.click_and_load(daniel.link("Add a dispute", "main"))
            fill(daniel, "#field-otherPerson", "Alex")
            daniel.click(daniel.one("#field-stage-impasse"))
            fill(daniel, "#field-issues", "Who moved for whose job; chores; time with friends")
            fill(daniel, "#field-obstacles", "They stopped talking about it after the move")
            daniel.click_and_load(daniel.button("Save the worksheet", "main form"))
            daniel.click(daniel.one("#field-stage-renegotiation"))
            daniel.click(daniel.one("#field-planKind-communicate"))
            fill(daniel, "#field-communicationAnalyses", "Sunday: said 'you never help'; meant 'I feel alone here'; Alex heard blame.")
            daniel.click_and_load(daniel.button("Save as a new version", "main form"))
            history = daniel.one("ol.stage-history").text
            expect("Impasse" in history and "Renegotiation" in history, f"the stage history is {history!r}")
            daniel.shot("e-role-dispute-worksheet")
            aud.page(daniel, "/staff/clients/<id>/worksheets/role-dispute/<thread>")
            return "two versions; stage history impasse then renegotiation"

        def notes():
            daniel.get(st["base"] + "/notes/new")
            fill(daniel, "#field-sessionNumber", "1")
            fill(daniel, "#field-mood", "Low most days for four months; sleep poor")
            daniel.click_and_load(daniel.button("Sign the note", "main form"), expect_status=422)
            expect("Record the risk check before signing" in daniel.one(".error-summary").text, "signing without a risk check is not refused")
            expect(daniel.one("#field-mood").get_attribute("value") == "Low most days for four months; sleep poor", "the typed mood was lost")
            daniel.click(daniel.one("#field-riskCheck-none-reported"))
            fill(daniel, "#field-plan", "Inventory next week")
            daniel.click_and_load(daniel.button("Sign the note", "main form"))
            st["first_note"] = daniel.path()
            # A middle-phase note: the form's sections follow the phase of the session number.
            daniel.get(st["base"] + "/notes/new")
            fill(daniel, "#field-sessionNumber", "5")
            fill(daniel, "#field-mood", "Better after a calm weekend, then low after Tuesday's argument")
            fill(daniel, "#field-interpersonalEvents", "Tuesday: argument with Alex about weekend plans")
            fill(daniel, "#field-focusWork", "Communication analysis of Tuesday; role play of asking for time together")
            # Techniques and measures are a folded section of the note form (issue 15): open it first.
            daniel.click(next(d for d in daniel.css("main details.note-section") if "Techniques" in d.text).find_element("css selector", "summary"))
            for technique in ("communication-analysis", "role-play"):
                daniel.click(daniel.one(f"#field-techniques-{technique}"))
            daniel.click(daniel.one("#field-riskCheck-none-reported"))
            fill(daniel, "#field-plan", "Try the request at home; review next week")
            daniel.click_and_load(daniel.button("Sign the note", "main form"))
            text = daniel.one("main").text
            expect("Middle phase" in text and "Communication analysis, Role play" in text, "the middle-phase note does not show its phase and techniques")
            daniel.shot("f-middle-phase-note")
            aud.page(daniel, "/staff/clients/<id>/notes/<note>")
            # Amend the first note: the original stays beside the amendment.
            daniel.get(st["first_note"])
            daniel.click_and_load(daniel.link("Amend this note", "main"))
            fill(daniel, "#field-mood", "Low most days for five months (not four); sleep poor")
            fill(daniel, "#field-reason", "The client corrected the start of the low mood")
            daniel.click_and_load(daniel.button("Sign the amendment", "main form"))
            text = daniel.one("main").text
            expect("Original, as signed" in text and "for four months" in text and "five months (not four)" in text,
                   "the amended note does not show the original and the amendment")
            daniel.shot("g-amended-note")
            aud.page(daniel, "/staff/clients/<id>/notes/<note> (amended)")
            daniel.click_and_load(daniel.link("Notes", "main nav"))
            aud.page(daniel, "/staff/clients/<id>/notes")
            return "risk check required to sign (input kept); middle-phase note; amendment beside the original"

        def timeline():
            daniel.click_and_load(daniel.link("Timeline", "main nav"))
            expect(bool(daniel.css("main svg.timeline-chart")), "no timeline chart")
            rows = daniel.css("main table tbody tr")
            expect(len(rows) >= 4, f"the timeline table has {len(rows)} rows")
            daniel.shot("h-timeline")
            aud.page(daniel, "/staff/clients/<id>/timeline")
            return f"chart and {len(rows)} rows (onset, events, scores)"

        def discharge():
            daniel.click_and_load(daniel.link("Discharge", "main nav"))
            text = daniel.one("main").text
            expect("Role dispute" in text and "Since the move" in text, "the summary is not assembled from the course")
            daniel.click_and_load(daniel.button("Sign the summary", "main form"), expect_status=422)
            fill(daniel, "#field-summary", "Morgan and Alex now talk through plans weekly; mood lifted with that.")
            fill(daniel, "#field-relapsePlan", "Warning signs: poor sleep, avoiding talks. Plan: book a check-in.")
            daniel.click(daniel.one("#field-maintenance-none"))
            daniel.click(daniel.one("#field-letterConsent"))
            fill(daniel, "#field-referrer", "Dr. Ada Bloom, Harbour Family Health")
            daniel.click_and_load(daniel.button("Sign the summary", "main form"))
            expect("Signed by Daniel Reyes" in daniel.one("main").text, "the summary is not signed")
            daniel.shot("i-discharge-summary")
            aud.page(daniel, "/staff/clients/<id>/discharge")
            daniel.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": "print"})
            try:
                hidden = daniel.driver.execute_script("return getComputedStyle(document.querySelector('.chart-tabs')).display")
                expect(hidden == "none", f"in print the chart tabs are {hidden!r}")
                daniel._capture(art / "clinical-discharge-print.png")
            finally:
                daniel.driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"media": ""})
            daniel.click_and_load(daniel.link("Letter to the referrer", "main"))
            expect("Dr. Ada Bloom" in daniel.one("main").text, "the letter does not name the referrer")
            return "refused unsigned without text; signed; print hides the navigation; referrer letter"

        def student_note_cosigned():
            sign_in(priya, STUDENT, demo_password(srv))
            priya.click_and_load(priya.link("Clients", "nav.staff-side"))
            priya.click_and_load(priya.link("Riley Tan", "main"))
            text = priya.one("main").text
            expect("Session 5 of 16" in text and "Middle phase" in text and "supervised by Dr. Henrik Larsen" in text,
                   "the student's chart does not show session 5 of 16, middle phase and the supervisor")
            # The scores tab: four PHQ-9 results, with the start of the middle phase marked.
            priya.click_and_load(priya.link("Scores", "main nav"))
            # The first chart is the PHQ-9 (the demo also has GAD-7 scores for Riley).
            dots = priya.css("main svg.progress-chart")[0].find_elements("css selector", "circle")
            expect(len(dots) == 4, f"the PHQ-9 chart shows {len(dots)} results, expected 4")
            expect("middle phase" in priya.one("main svg.progress-chart").get_attribute("innerHTML"), "the phase is not marked on the chart")
            expect("Middle phase" in priya.one("main table").text, "the table does not name the phase of each score")
            priya.shot("j0-scores-with-phases")
            aud.page(priya, "/staff/clients/<id>/progress")
            priya.click_and_load(priya.link("Chart", "main nav"))
            priya.click_and_load(priya.link("Write a session note", "main"))
            fill(priya, "#field-sessionNumber", "4")
            fill(priya, "#field-mood", "Lonely in the evenings; some good days at work")
            fill(priya, "#field-focusWork", "Listed what was lost with the move and what the new city offers")
            priya.click(priya.one("#field-riskCheck-none-reported"))
            fill(priya, "#field-plan", "Join the running club; report back")
            priya.click_and_load(priya.button("Sign the note", "main form"))
            expect("Not final: this note waits for the supervisor's co-signature" in priya.one("main").text, "the student's note is final at once")
            priya.shot("j-student-note-awaiting")
            sign_in(henrik, SUPERVISOR, demo_password(srv))
            henrik.click_and_load(henrik.link("Supervision", "nav.staff-side"))
            queue = henrik.one("main").text
            expect("Riley Tan, session 4" in queue, "the supervisor's queue does not list the note")
            henrik.shot("k-supervision-queue")
            aud.page(henrik, "/staff/supervision")
            henrik.click_and_load(henrik.link("Riley Tan, session 4", "main"))
            henrik.click(henrik.one("#field-onFocus-yes"))
            henrik.click(henrik.one("#field-tasksDone-yes"))
            henrik.click_and_load(henrik.button("Co-sign", "main"))
            expect("Nothing is waiting." in henrik.one("main").text, "the queue still lists the note after co-signing")
            priya.get(priya.path())
            expect("co-signed by Dr. Henrik Larsen" in priya.one("main").text, "the student does not see the co-signature")
            return "awaiting co-signature; in the supervisor's queue; co-signed with a fidelity check"

        def director_gives_a_reason():
            miriam = Browser(srv.base, art, "clinical-director-")
            browsers.append(miriam)
            st["miriam"] = miriam
            sign_in(miriam, DIRECTOR, demo_password(srv))
            miriam.click_and_load(miriam.link("Clients", "nav.staff-side"))
            aud.page(miriam, "/staff/clients (director)")
            miriam.click_and_load(miriam.link("Riley Tan", "main"))
            expect("/reason" in miriam.path(), f"the director was not asked for a reason (at {miriam.path()})")
            miriam.shot("m-reason")
            aud.page(miriam, "/staff/clients/<id>/reason")
            miriam.click_and_load(miriam.button("Open the chart", "main form"), expect_status=422)
            fill(miriam, "#field-reason", "Reviewing the reduced-rate clinic's files for the practicum report")
            miriam.click_and_load(miriam.button("Open the chart", "main form"))
            expect(miriam.h1() == "Chart: Riley Tan", f"after the reason the director sees {miriam.h1()!r}")
            miriam.get("/staff/settings/clinical")
            fill(miriam, "#field-minimumSessions", "5")
            miriam.click_and_load(miriam.button("Save settings", "main form"), expect_status=422)
            expect("at least one middle session" in miriam.one(".error-summary").text, "settings without a middle phase are not refused")
            miriam.shot("n-clinical-settings")
            aud.page(miriam, "/staff/settings/clinical")
            miriam.get("/staff/retention")
            aud.page(miriam, "/staff/retention")
            miriam.get(st["base"].replace("/staff/clients/", "/staff/retention/"))
            text = miriam.one("main").text
            # Riley has a session booked ahead, which keeps the record whatever its age.
            expect(("Still within retention" in text or "Kept: an appointment is booked" in text)
                   and not miriam.css("main form[action$='/destroy']"), "a current record is offered for destruction")
            aud.page(miriam, "/staff/retention/<id>")
            return "reason asked and kept; chart opened; settings refuse a course with no middle phase"

        def client_gets_a_copy_of_the_record():
            from fhir.resources.R4B.bundle import Bundle
            morgan = Browser(srv.base, art, "clinical-client-")
            browsers.append(morgan)
            st["morgan"] = morgan
            miriam = st["miriam"]
            morgan.get("/portal/sign-in")
            fill(morgan, "#field-email", "morgan.ellis@example.org")
            morgan.click_and_load(morgan.button("Email me a sign-in link", "main form"))
            msg = srv.wait_for_email("morgan.ellis@example.org", "Your sign-in link")
            morgan.get(link_in(msg, "/portal/sign-in/", srv.base))
            morgan.click_and_load(morgan.button("Ask for a copy of my record", "main"))
            expect("has reached the clinic" in morgan.one("main").text, "no confirmation of the request")
            miriam.click_and_load(miriam.link("Record requests", "nav.staff-side"))
            expect("Morgan Ellis" in miriam.one("main").text, "the request is not in the director's list")
            aud.page(miriam, "/staff/requests")
            miriam.click_and_load(miriam.link("Morgan Ellis", "main"))
            aud.page(miriam, "/staff/requests/<id>")
            miriam.click_and_load(miriam.button("Release the copy to the client", "main form"))
            morgan.get("/portal")
            morgan.click_and_load(morgan.link("Read your record", "main"))
            text = morgan.one("main").text
            expect("Who has opened this record" in text and "Daniel Reyes" in text and "Since the move" in text,
                   "the copy lacks the access log or the formulation")
            morgan.shot("o-client-record-copy")
            aud.page(morgan, "/portal/record")
            morgan.click_and_load(morgan.link("Ask for a correction", "main"))
            aud.page(morgan, "/portal/correction")
            morgan.get("/portal/record")
            href = morgan.link("Download it as FHIR R4 (JSON), for another health app", "main").get_attribute("href")
            export = morgan.cookie_session().get(href, timeout=10)
            expect(export.status_code == 200, f"the FHIR download answered {export.status_code}")
            bundle = Bundle.model_validate(export.json())
            kinds = sorted({e.resource.__resource_type__ for e in bundle.entry})
            for needed in ("Patient", "Appointment", "DocumentReference", "AuditEvent", "QuestionnaireResponse"):
                expect(needed in kinds, f"the Bundle has no {needed}: {kinds}")
            return f"asked in the portal; released by the director; read in the browser; Bundle valid ({len(bundle.entry)} entries: {', '.join(kinds)})"

        def questionnaires_in_portal_and_in_session():
            morgan = st["morgan"]
            daniel.click_and_load(open_in_calendar(daniel, "Morgan Ellis"))
            appointment = daniel.path()
            daniel.click_and_load(daniel.button("Send the link", "main form"))
            # In session: the GAD-7, filled in with the client.
            daniel.get(appointment)
            daniel.one("#field-instrument option[value='gad-7']").click()
            daniel.click_and_load(daniel.button("Fill it in now, with the client", "main form"))
            for item in range(1, 8):
                daniel.click(daniel.one(f"#field-item-{item}-1"))
            daniel.click_and_load(daniel.button("Send my answers", "main form"))
            expect("Back to the appointment" in daniel.one("main").text, "the in-session form does not lead back to the appointment")
            # In the portal, on a phone: the PHQ-9 waiting for the client.
            set_viewport(morgan.driver, *PHONE)
            try:
                morgan.get("/portal")
                expect("To do" in morgan.one("main").text and "PHQ-9 questionnaire" in morgan.one("main").text,
                       "the portal lists no waiting questionnaire")
                morgan.click_and_load(morgan.link("Answer now", "main"))
                for item in range(1, 10):
                    morgan.click(morgan.one(f"#field-item-{item}-{1 if item <= 2 else 0}"))
                morgan.shot("p-portal-questionnaire")
                aud.page(morgan, "/portal/questionnaires/<id> (phone)")
                morgan.click_and_load(morgan.button("Send my answers", "main form"))
                expect("Back to your appointments and forms" in morgan.one("main").text, "no way back to the portal after answering")
            finally:
                set_viewport(morgan.driver, *DESKTOP)
            text = chart_text()
            expect("GAD-7 7" in text and "PHQ-9 2" in text, "the chart does not show the two new scores")
            return "GAD-7 entered in session (7); PHQ-9 answered in the portal on a phone (2); both on the chart"

        def chart_on_a_phone():
            set_viewport(daniel.driver, *PHONE)
            try:
                daniel.get(st["base"] + "/chart")
                wide = daniel.driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1")
                expect(not wide, "the chart scrolls sideways on a phone")
                daniel.shot("l-chart-phone")
            finally:
                set_viewport(daniel.driver, *DESKTOP)
            return "no sideways scrolling at 390 pixels"

        ok = res.steps("clinical", [
            ("the therapist opens the demo client's chart from the caseload", open_chart),
            ("the treatment contract: out-of-range refused, 16 sessions agreed", contract),
            ("the interpersonal inventory and the closeness circle (drag and form)", inventory),
            ("the formulation beside the intake's suggestion; initial tasks ticked", formulation),
            ("a role-dispute worksheet whose stage changes over two versions", worksheet),
            ("initial- and middle-phase notes, and an amendment that keeps the original", notes),
            ("the life-events and mood timeline", timeline),
            ("the discharge summary, signed, printable, with a referrer letter", discharge),
            ("a student's note goes through the supervisor's queue and is co-signed", student_note_cosigned),
            ("the director opens a chart outside her caseload only with a reason; clinical settings", director_gives_a_reason),
            ("the client asks for a copy of the record, reads it and downloads a valid FHIR Bundle", client_gets_a_copy_of_the_record),
            ("questionnaires answered in the portal on a phone and entered in session", questionnaires_in_portal_and_in_session),
            ("the chart on a phone-sized screen", chart_on_a_phone),
        ])
        check_server_health(res, "clinical", srv, browsers)
        return ok
    except CheckFailed as e:
        res.fail("clinical: setup", str(e))
        return False
    finally:
        close_journey("clinical", srv, browsers)


if __name__ == "__main__":
    import sys
    from common import artifacts_dir, check_tools, run_name
    check_tools()
    results = Results()
    journey_clinical(results, artifacts_dir(run_name()))
    print(results.summary())
    sys.exit(0 if not results.failed else 1)
