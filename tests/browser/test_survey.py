"""A resident on a phone answers a public survey from a grid's link: a conditional
question appears when its choice is picked, a missing answer is flagged beside its field
with the other answers kept, then the survey is sent. No account, no internet."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from surveys.models import Answer, Response
from tests.browser.pages import assert_fits_the_screen
from tests.surveys.conftest import add_questions, make_survey

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_resident_answers_a_survey_on_a_phone(page_on_phone, live_server, ladder):
    page = page_on_phone
    survey = make_survey(ladder.town)
    q = add_questions(survey)
    link = reverse("survey_public:answer_grid", args=[survey.token, ladder.a1.code])
    page.goto(f"{live_server.url}{link}")
    assert_fits_the_screen(page)

    likert = page.locator(f"#field-q{q.likert.pk}")
    expect(likert).to_be_hidden()
    page.get_by_label("知道", exact=True).check()
    expect(likert).to_be_visible()
    likert.locator("label", has_text="4").click()
    page.get_by_label("宣传").check()
    page.fill(f"#id_q{q.number.pk}", "3")
    page.fill(f"#id_q{q.long.pk}", "希望多来走访")
    page.click("button.survey-submit")  # the 0–10 rating is missing

    rating = page.locator(f"#field-q{q.rating.pk}")
    expect(rating.locator(".field-error")).to_have_text("This question needs an answer.")
    expect(page.locator("#survey-errors")).to_be_visible()
    expect(page.get_by_label("知道", exact=True)).to_be_checked()
    expect(likert.locator("input[value='4']")).to_be_checked()
    expect(page.locator(f"#id_q{q.long.pk}")).to_have_value("希望多来走访")
    assert not Response.objects.exists()

    rating.locator("label", has_text="9").click()
    page.click("button.survey-submit")

    expect(page).to_have_url(
        f"{live_server.url}{reverse('survey_public:done', args=[survey.token])}"
    )
    expect(page.locator("#survey-message")).to_be_visible()
    response = Response.objects.get()
    assert (response.grid, response.village) == (ladder.a1, ladder.v1)
    assert Answer.objects.get(response=response, question=q.rating).number == 9
    assert Answer.objects.get(response=response, question=q.likert).number == 4

    # The same phone again: already answered.
    page.goto(f"{live_server.url}{reverse('survey_public:answer', args=[survey.token])}")
    expect(page.locator("#survey-message")).to_contain_text("already answered")
