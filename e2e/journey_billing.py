"""Billing journey (issue 17, "Done when"): on the demo clinic, as the clinic would do it.

Theo's session this morning is marked attended at the front desk; the front desk opens his account,
invoices the session and records his Interac e-Transfer for what he owes; Theo signs in to the
portal and downloads the receipt for his insurer; the director's report shows the payment among the
day's payments and the accountant's CSV export holds the invoice line and the payment. On the way,
every billing page is shot at desktop and phone width (the phone shot fails if the page scrolls
sideways), and a mistyped amount is refused beside the field with the input kept.
"""
from __future__ import annotations

import re

from booking_journey import DEMO_DIRECTOR, demo_password, link_in
from common import (check_server_health, close_journey, open_in_calendar, AppServer, Browser, CheckFailed, Results, expect,
                    fill, sign_in)

DESK = "frontdesk@harbourview-ipt.example"
THERAPIST = "daniel.reyes@harbourview-ipt.example"
CLIENT_NAME = "Theo Lambert"
CLIENT = "theo.lambert@example.org"
REFERENCE = "CA7Q2W9E"


def journey_billing(res: Results, art) -> bool:
    srv = AppServer(art, "billing-server", demo=True)
    browsers = []
    st: dict = {}
    try:
        srv.start()
    except Exception as e:  # noqa: BLE001
        res.fail("billing: start the demo server", str(e))
        return False
    try:
        desk = Browser(srv.base, art, "billing-desk-")
        browsers.append(desk)

        def the_session_is_marked_attended():
            sign_in(desk, DESK, demo_password(srv))
            desk.click_and_load(open_in_calendar(desk, CLIENT_NAME))
            expect("/staff/appointments/" in desk.path(), f"the calendar opened {desk.path()}")
            desk.click_and_load(desk.button("Mark attended", "main"))
            expect("done=marked" in desk.driver.current_url, f"after marking, the browser is at {desk.path()}")
            return "Theo's session of this morning is attended"

        def the_desk_sees_the_payment_to_take_on_today():
            desk.get("/staff")
            panel = next((p for p in desk.css("main .today-panel") if "Payments to take" in p.text), None)
            expect(panel is not None, "Today has no 'Payments to take' section")
            expect(CLIENT_NAME in panel.text, f"the section reads {panel.text!r}")
            desk.shot("a-today-payments-to-take")
            desk.click_and_load(next(a for a in panel.find_elements("css selector", "a") if CLIENT_NAME in a.text))
            expect(desk.path().startswith("/staff/billing/clients/"), f"the link opened {desk.path()}")
            st["account"] = desk.path()
            return "listed with the amount owed; the link opens the account"

        def the_desk_invoices_the_session():
            desk.get("/staff/billing")
            desk.shot("b-billing-list")
            desk.get(st["account"])
            expect(desk.h1().endswith(CLIENT_NAME), f"the account is {desk.h1()!r}")
            desk.shot("c-account-before")
            desk.click_and_load(desk.button("Issue invoice", "main"))
            expect(desk.path().startswith("/staff/billing/invoices/"), f"issuing led to {desk.path()}")
            number = re.search(r"INV-\d+", desk.one("main").text)
            expect(number is not None, f"the invoice shows no number (heading {desk.h1()!r})")
            st["invoice"] = number.group(0)
            st["invoice_path"] = desk.path()
            text = desk.one("main").text
            expect("Psychotherapy session" in text and "IPT" not in text.replace("IPT clinic", ""), "the invoice line is not the receipt's wording")
            desk.shot("d-invoice")
            return st["invoice"]

        def the_desk_records_an_e_transfer():
            desk.get(st["account"])
            owed = desk.one("main .bill-balance strong").text.strip()
            amount = owed.replace("$", "").replace(",", "")
            expect(float(amount) > 0, f"the balance reads {owed!r}")
            fill(desk, "#field-amount", "12O")  # a letter O for a zero, as fingers do
            desk.click_and_load(desk.button("Record", "main"), expect_status=422)
            expect(desk.one("#field-amount").get_attribute("value") == "12O", "the mistyped amount was not kept")
            expect(desk.css("#error-amount"), "no message beside the amount")
            desk.shot("e-payment-refused")
            fill(desk, "#field-amount", amount)
            desk.driver.find_element("css selector", "#field-method option[value='e_transfer']").click()
            fill(desk, "#field-reference", REFERENCE)
            desk.click_and_load(desk.button("Record", "main"))
            expect("Payment recorded" in desk.one("main").text, "no confirmation of the payment")
            balance = desk.one("main .bill-balance strong").text.strip()
            expect(balance == "$0.00", f"after paying {owed} the balance reads {balance!r}")
            desk.shot("f-account-paid")
            desk.get(st["invoice_path"])
            desk.click_and_load(desk.link("Receipt for the insurer", "main"))
            expect("Interac e-Transfer" in desk.one("main").text, "the receipt does not show the method")
            desk.shot("g-receipt-desk")
            st["amount"] = owed
            return f"{owed} by e-Transfer {REFERENCE}; balance $0.00"

        def the_client_downloads_the_receipt_from_the_portal():
            theo = Browser(srv.base, art, "billing-client-")
            browsers.append(theo)
            theo.get("/portal/sign-in")
            fill(theo, "#field-email", CLIENT)
            theo.click_and_load(theo.button("Email me a sign-in link", "main form"))
            theo.get(link_in(srv.wait_for_email(CLIENT, "Your sign-in link"), "/portal/sign-in/", srv.base))
            expect(theo.path() == "/portal", f"the sign-in link led to {theo.path()}")
            theo.click_and_load(theo.link("Receipts for your insurer and yearly statements", "main"))
            theo.shot("h-portal-billing")
            receipt = next((a for a in theo.css("main a") if st["invoice"] in a.text), None)
            expect(receipt is not None, f"no receipt for {st['invoice']} in the portal")
            theo.click_and_load(receipt)
            page = theo.one("main").text
            for needed in (CLIENT_NAME, "Daniel Reyes", "RP-DEMO-10421", "Interac e-Transfer", "50 minutes"):
                expect(needed in page, f"the receipt lacks {needed!r}")
            theo.shot("i-portal-receipt")
            download = next(a for a in theo.css("main a") if a.text.strip().startswith("Download")).get_attribute("href")
            got = theo.cookie_session().get(download, timeout=20)
            expect(got.status_code == 200 and "attachment" in got.headers.get("Content-Disposition", ""),
                   f"the download answered {got.status_code} {got.headers.get('Content-Disposition')!r}")
            expect(st["invoice"] in got.text and CLIENT_NAME in got.text, "the downloaded receipt is not Theo's")
            return f"receipt {st['invoice']} downloaded ({len(got.content)} bytes)"

        def the_directors_report_shows_it():
            director = Browser(srv.base, art, "billing-director-")
            browsers.append(director)
            st["director"] = director
            sign_in(director, DEMO_DIRECTOR, demo_password(srv))
            director.get("/staff/billing")
            director.click_and_load(director.link("Reports and the day's payments", "main"))
            rows = [r.text for r in director.css("main .bill-report table tbody tr")]
            expect(any(CLIENT_NAME in r and REFERENCE in r and st["amount"] in r for r in rows),
                   f"the day's payments do not show Theo's e-Transfer: {rows[:6]}")
            director.shot("j-reports")
            return f"{st['amount']} by e-Transfer among the day's payments"

        def the_csv_export_contains_it():
            director = st["director"]
            form = next(f for f in director.css("main form") if "accounting.csv" in (f.get_attribute("action") or ""))
            fields = {i.get_attribute("name"): i.get_attribute("value") for i in form.find_elements("css selector", "input[name]")}
            got = director.cookie_session().get(form.get_attribute("action"), params=fields, timeout=20)
            expect(got.status_code == 200 and "text/csv" in got.headers.get("Content-Type", ""), f"the export answered {got.status_code}")
            lines = got.text.splitlines()
            expect(any(st["invoice"] in line and CLIENT_NAME in line for line in lines), f"no invoice line of {st['invoice']} in the CSV")
            expect(any(REFERENCE in line and CLIENT_NAME in line for line in lines), f"no payment {REFERENCE} in the CSV")
            return f"{len(lines)} lines, with the invoice line and the payment"

        def the_other_billing_pages_look_right():
            director = st["director"]
            director.get(st["account"])
            director.shot("k-account-director")
            year = director.css("main a[href*='/statements/']")
            expect(year, "no yearly statement link on the account")
            statement = year[0].get_attribute("href")
            director.get("/staff/billing/settings")
            director.shot("l-billing-settings")
            director.get(statement)
            expect("Statement of payments" in director.h1() and st["invoice"] in director.one("main").text,
                   f"the statement is {director.h1()!r}")
            director.shot("m-statement")
            # A correction: a credit note cancels the invoice; the original stays as issued.
            director.get(st["invoice_path"])
            fill(director, "#field-reason", "Session billed at the wrong rate")
            director.click_and_load(director.button("Issue a credit note", "main"))
            expect("Credit note" in director.h1(), f"the credit note's heading is {director.h1()!r}")
            director.shot("n-credit-note")
            daniel = Browser(srv.base, art, "billing-therapist-")
            browsers.append(daniel)
            sign_in(daniel, THERAPIST, demo_password(srv))
            daniel.get("/staff/billing/my-sessions")
            expect(CLIENT_NAME in daniel.one("main").text, "the therapist's billing page does not list Theo's session")
            daniel.shot("o-my-sessions-billing")
            daniel.get(st["account"], expect_status=403)
            return "account, settings, statement, credit note, my sessions; a therapist gets 403 on the account"

        ok = res.steps("billing", [
            ("the front desk marks this morning's session attended", the_session_is_marked_attended),
            ("Today lists the payment to take and links to the account", the_desk_sees_the_payment_to_take_on_today),
            ("the front desk invoices the session", the_desk_invoices_the_session),
            ("the front desk records an e-Transfer (a mistyped amount is refused first)", the_desk_records_an_e_transfer),
            ("the client downloads the receipt from the portal", the_client_downloads_the_receipt_from_the_portal),
            ("the director's report shows the payment", the_directors_report_shows_it),
            ("the accountant's CSV export contains it", the_csv_export_contains_it),
            ("the other billing pages: account, settings, statement, credit note, my sessions", the_other_billing_pages_look_right),
        ])
        check_server_health(res, "billing", srv, browsers)
        return ok
    except CheckFailed as e:
        res.fail("billing", str(e))
        return False
    finally:
        close_journey("billing", srv, browsers)
