"""The authoring forms' pickers: a module's competencies chosen in a table of the framework
(a level select each) and a choice question's right answers chosen with a radio button or
ticked, instead of typed as "DG.1:2" or as a mark of 100."""

import re

import sqlalchemy as sa
from authoring_helpers import QUESTIONS, SLUG, build_module, post
from flask_babel import force_locale, gettext

from lms.authoring import services
from lms.catalogue.models import Module
from lms.extensions import db

NEW = "/authoring/modules/new"
QUESTION = f"/authoring/modules/{SLUG}/quizzes/kiem-tra/questions"
MODULE = {
    "slug": "bao-mat-web",
    "languages": ["vi"],
    "title_vi": "Bảo mật cơ bản",
    "summary_vi": "Giữ an toàn thông tin.",
    "estimated_minutes": "20",
    "completion_rule": "all-required",
}


def said(app, message: str) -> str:
    """``message`` as the page shows it to a trainer reading Vietnamese."""
    with app.test_request_context(), force_locale("vi"):
        return gettext(message)


def manifest(app, slug: str) -> dict:
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.slug == slug))
        return services.working_copy(module).manifest


def questions(app, slug: str = SLUG) -> list:
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.slug == slug))
        return services.questions_of(services.working_copy(module), "kiem-tra", "vi")


# The competency picker ------------------------------------------------------------------


def test_the_module_form_lists_the_framework_by_area_with_named_levels(client, people, login_as):
    login_as(client, people.trainer)
    body = client.get(NEW).get_data(as_text=True)
    assert 'name="competencies"' not in body, "no box to type codes in any more"
    picker = body[body.index('<table class="competency-picker">') : body.index("</table>")]
    assert re.search(r'<label for="c_DG_1">DG\.1 [^<]+</label>', picker)
    assert re.search(r'<select[^>]*id="c_DG_1"[^>]*name="c_DG_1"', picker)
    assert '<th colspan="2" scope="colgroup">DG ' in picker
    assert picker.index("c_DG_2") < picker.index('scope="colgroup">DOC ') < picker.index("c_DOC_1")
    # Each level by its name in the framework ("Làm được khi có hướng dẫn: ...").
    assert re.search(r'<option value="2">2 — Làm được khi có hướng dẫn</option>', picker)


def test_levels_chosen_are_stored_as_code_and_level(app, client, people, login_as):
    login_as(client, people.trainer)
    response = post(client, NEW, {**MODULE, "c_DG_1": "2", "c_DS_2": "1", "c_PS_1": "0"})
    assert response.status_code == 302, response.get_data(as_text=True)
    # What "DG.1:2, DS.2:1" typed in the old box stored.
    assert manifest(app, "bao-mat-web")["competencies"] == [
        {"code": "DG.1", "level": 2},
        {"code": "DS.2", "level": 1},
    ]
    settings = client.get("/authoring/modules/bao-mat-web/settings").get_data(as_text=True)
    assert re.search(r'<option selected value="2">|<option value="2" selected>', settings)


def test_a_level_not_offered_is_refused_and_nothing_typed_is_lost(app, client, people, login_as):
    login_as(client, people.trainer)
    response = post(client, NEW, {**MODULE, "c_DG_1": "9", "c_DS_2": "3"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert re.search(
        r'id="c_DG_1"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="c_DG_1"', body
    )
    assert 'id="c_DG_1-error" class="error"' in body
    assert 'value="Bảo mật cơ bản"' in body
    assert re.search(r'<option selected value="3">|<option value="3" selected>', body)
    with app.app_context():
        assert db.session.scalar(sa.select(Module).where(Module.slug == "bao-mat-web")) is None


def test_a_code_or_level_outside_the_framework_is_shown_and_kept(app, client, people, login_as):
    login_as(client, people.trainer)
    assert post(client, NEW, {**MODULE, "c_DG_1": "2"}).status_code == 302
    with app.app_context():
        module = db.session.scalar(sa.select(Module).where(Module.slug == "bao-mat-web"))
        fields = dict(
            languages=["vi"],
            title={"vi": MODULE["title_vi"]},
            summary={"vi": MODULE["summary_vi"]},
            estimated_minutes=20,
            competencies=[{"code": "DG.1", "level": 5}, {"code": "XY.1", "level": 3}],
        )
        services.update_settings(db.session.merge(people.trainer), module, **fields)
        db.session.commit()
    settings = client.get("/authoring/modules/bao-mat-web/settings").get_data(as_text=True)
    assert '<label for="c_XY_1">XY.1</label>' in settings
    # DG.1 at 5, a level the framework does not name, is offered and chosen as it is.
    assert re.search(r'<option selected value="5">5</option>', settings)
    response = post(
        client,
        "/authoring/modules/bao-mat-web/settings",
        {**MODULE, "c_DG_1": "5", "c_XY_1": "3"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert manifest(app, "bao-mat-web")["competencies"] == [
        {"code": "DG.1", "level": 5},
        {"code": "XY.1", "level": 3},
    ]


# The right answers of a choice question ---------------------------------------------------


def test_a_single_choice_question_has_a_radio_per_answer(client, people, login_as):
    login_as(client, people.trainer)
    build_module(client, questions=QUESTIONS[:1])
    body = client.get(f"{QUESTION}/new?language=vi&type=single_choice").get_data(as_text=True)
    radios = re.findall(r'<input[^>]*type="radio"[^>]*>', body)
    assert len(radios) == 5 and all('name="right_option"' in radio for radio in radios)
    multiple = client.get(f"{QUESTION}/new?language=vi&type=multiple_choice").get_data(as_text=True)
    assert len(re.findall(r'name="options-\d-right" type="checkbox"', multiple)) == 5


def test_the_chosen_answer_scores_as_a_mark_of_100_did(app, client, people, login_as):
    login_as(client, people.trainer)
    build_module(client, questions=QUESTIONS[:1])
    response = post(
        client,
        f"{QUESTION}/new?language=vi&type=single_choice",
        {
            "text": "Mã OTP có được chia sẻ không?",
            "options-0-text": "Có",
            "options-1-text": "Không",
            "options-2-text": "Chỉ với cấp trên",
            "options-2-mark": "25",
            "right_option": "1",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    question = questions(app)[-1]
    assert [o["fraction"] for o in question.data["options"]] == [0.0, 1.0, 0.25]
    edit = client.get(f"{QUESTION}/1?language=vi").get_data(as_text=True)
    assert re.search(r'<input checked[^>]*value="1"|value="1"[^>]*checked', edit)
    assert re.search(r'name="options-2-mark"[^>]*value="25"', edit)


def test_a_choice_question_without_its_right_answer_says_so(app, client, people, login_as):
    login_as(client, people.trainer)
    build_module(client, questions=QUESTIONS[:1])
    typed = {"text": "Mật khẩu mạnh là?", "options-0-text": "123456", "options-1-text": "Xy!9#"}
    response = post(client, f"{QUESTION}/new?language=vi&type=single_choice", typed)
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert said(app, "Choose the right answer.") in body
    assert 'value="123456"' in body and 'value="Xy!9#"' in body and "Mật khẩu mạnh là?" in body
    ticked = {**typed, "options-2-right": "y"}  # a tick on a row without text
    response = post(client, f"{QUESTION}/new?language=vi&type=multiple_choice", ticked)
    assert said(app, "An answer marked right has no text.") in response.get_data(as_text=True)
    assert len(questions(app)) == 1


def test_ticked_answers_share_the_mark_as_gift_scores_them(app, client, people, login_as):
    login_as(client, people.trainer)
    build_module(client, questions=QUESTIONS[:1])
    typed = {
        "text": "Dấu hiệu lừa đảo?",
        "options-0-text": "Yêu cầu OTP",
        "options-0-right": "y",
        "options-1-text": "Thư từ địa chỉ nội bộ",
        "options-2-text": "Đường dẫn lạ",
        "options-2-right": "y",
    }
    response = post(client, f"{QUESTION}/new?language=vi&type=multiple_choice", typed)
    assert response.status_code == 302, response.get_data(as_text=True)
    # As GIFT's "{=Yêu cầu OTP ~Thư ... =Đường dẫn lạ}" imports: right 1/2, wrong -1/2.
    assert [o["fraction"] for o in questions(app)[-1].data["options"]] == [0.5, -0.5, 0.5]
    edit = client.get(f"{QUESTION}/1?language=vi").get_data(as_text=True)
    assert re.search(r'checked[^>]*name="options-0-right"|name="options-0-right"[^>]*checked', edit)
    assert not re.search(r'name="options-1-right"[^>]*checked', edit)
    assert "<details open>" not in edit, "plain shares need no marks"
    # Saved again unchanged, it scores the same.
    again = {k: v for k, v in typed.items()}
    assert post(client, f"{QUESTION}/1?language=vi", again).status_code == 302
    assert [o["fraction"] for o in questions(app)[-1].data["options"]] == [0.5, -0.5, 0.5]


def test_marks_give_partial_credit_and_must_agree_with_the_ticks(app, client, people, login_as):
    login_as(client, people.trainer)
    build_module(client, questions=QUESTIONS[:1])
    typed = {
        "text": "Dấu hiệu lừa đảo?",
        "options-0-text": "Yêu cầu OTP",
        "options-0-right": "y",
        "options-0-mark": "60",
        "options-1-text": "Đường dẫn lạ",
        "options-1-right": "y",
        "options-1-mark": "40",
        "options-2-text": "Thư nội bộ",
        "options-2-mark": "-50",
    }
    url = f"{QUESTION}/new?language=vi&type=multiple_choice"
    assert post(client, url, typed).status_code == 302
    assert [o["fraction"] for o in questions(app)[-1].data["options"]] == [0.6, 0.4, -0.5]
    response = post(client, url, {**typed, "options-1-mark": "30"})
    assert response.status_code == 200
    body = response.get_data(as_text=True)
    assert said(app, "The marks of the right answers must add up to 100%.") in body
    assert "<details open>" in body and 'value="30"' in body
    assert len(questions(app)) == 2
