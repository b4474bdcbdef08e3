"""Question types: what a learner's form may post, how it is graded, and what the browser
may see before the attempt is finished."""

import json
import unicodedata
from random import Random

import pytest

from lms.assessment.gift import parse
from lms.assessment.grading import BUILT_IN_TYPES, format_number
from lms.assessment.questions import Question, item_id
from lms.core.errors import Invalid
from lms.plugins.question import InvalidResponse, QuestionTypes

TYPES = QuestionTypes([BUILT_IN_TYPES])


def question(gift: str) -> Question:
    [parsed] = parse(gift)
    return parsed


def submit(question: Question, *values: str):
    question_type = TYPES.get(question.type_id)
    return question_type.grade(question, question_type.parse_response(question, list(values)))


def pair(left: str, right: str) -> str:
    return f"{item_id(left)}:{item_id(right)}"


CAPITAL = question(
    "Thủ đô của Việt Nam? {=Hà Nội#Đúng. ~%50%Thăng Long#Tên cũ. ~%-50%Huế#Cố đô. ~Đà Nẵng}"
)
PRIMES = question("Which are prime? {=2 =3 =5 ~4 ~9}")
TOMB = question("Who is entombed? {~%-100%No one ~%50%Grant ~%50%Grant's wife ~%-100%A dog}")
SUN = question("The sun rises in the West. {F#It rises in the East.#Right.}")
ID_CARD = question("Giấy tờ tùy thân? {=Căn cước =%50%Chứng minh nhân dân#Tên cũ.}")
PI = question("Pi to two decimals? {#3.14:0.01#Good.}")
RANGE = question("A number from 1 to 5? {#1..5}")
YEAR = question("Year? {#=2000:0#Yes. =%50%1999:0#Close. ~#Think of the millennium.}")
CAPITALS = question(
    "Match. {=Canada -> Ottawa =Italy -> Rome =Japan -> Tokyo = -> Sydney ####Capitals.}"
)
EVERY_TYPE = [CAPITAL, PRIMES, SUN, ID_CARD, PI, CAPITALS]


def test_built_in_types_cover_every_type_gift_imports():
    assert {q.type_id for q in [*EVERY_TYPE, TOMB]} == {t.type_id for t in BUILT_IN_TYPES}


# Unanswered and tampered input


@pytest.mark.parametrize("asked", EVERY_TYPE, ids=lambda q: q.type_id)
@pytest.mark.parametrize("values", [[], [""], ["  ", ""]])
def test_an_unanswered_question_grades_zero(asked, values):
    question_type = TYPES.get(asked.type_id)
    response = question_type.parse_response(asked, values)
    assert response is None
    assert question_type.grade(asked, response).fraction == 0
    assert question_type.grade(asked, response).feedback == []


@pytest.mark.parametrize("asked", [CAPITAL, PRIMES], ids=lambda q: q.type_id)
@pytest.mark.parametrize("value", ["-1", "0", "1", "abc", item_id("Grant"), "Hà Nội"])
def test_choice_refuses_an_option_that_is_not_the_questions(asked, value):
    with pytest.raises(InvalidResponse, match="not one of the question's options"):
        submit(asked, value)


def test_choice_refuses_an_option_id_from_another_question():
    with pytest.raises(InvalidResponse):
        submit(CAPITAL, item_id("2"))


def test_single_choice_refuses_two_options():
    with pytest.raises(InvalidResponse, match="only one answer"):
        submit(CAPITAL, item_id("Hà Nội"), item_id("Huế"))


def test_invalid_responses_are_refused_as_invalid_input():
    assert issubclass(InvalidResponse, Invalid)
    assert InvalidResponse.status == 422


# Single choice


def test_single_choice_right_option_earns_full_credit_and_its_feedback():
    graded = submit(CAPITAL, item_id("Hà Nội"))
    assert (graded.fraction, graded.feedback) == (1.0, ["Đúng."])


def test_single_choice_option_can_earn_partial_credit():
    assert submit(CAPITAL, item_id("Thăng Long")).fraction == 0.5


def test_single_choice_negative_weight_grades_zero_not_below():
    graded = submit(CAPITAL, item_id("Huế"))
    assert (graded.fraction, graded.feedback) == (0.0, ["Cố đô."])


def test_single_choice_wrong_option_without_feedback_gives_none():
    assert submit(CAPITAL, item_id("Đà Nẵng")).feedback == []


# Multiple choice


def test_multiple_choice_adds_up_the_weights_of_ticked_options():
    assert submit(TOMB, item_id("Grant")).fraction == 0.5
    assert submit(TOMB, item_id("Grant"), item_id("Grant's wife")).fraction == 1.0


def test_multiple_choice_ticking_everything_is_not_rewarded():
    everything = [option["id"] for option in TOMB.data["options"]]
    assert submit(TOMB, *everything).fraction == 0.0


def test_multiple_choice_clamps_a_negative_sum_at_zero():
    assert submit(TOMB, item_id("No one"), item_id("A dog")).fraction == 0.0


def test_multiple_choice_without_weights_shares_credit_and_charges_wrong_ticks():
    assert submit(PRIMES, item_id("2"), item_id("3"), item_id("5")).fraction == 1.0
    assert submit(PRIMES, item_id("2"), item_id("3")).fraction == pytest.approx(2 / 3, abs=1e-4)
    assert submit(PRIMES, item_id("2"), item_id("3"), item_id("4")).fraction == pytest.approx(
        1 / 3, abs=1e-4
    )


def test_multiple_choice_weights_of_a_third_add_up_to_full_credit():
    thirds = question("Pick three. {~%33.333%a ~%33.333%b ~%33.333%c ~%-100%d}")
    assert submit(thirds, item_id("a"), item_id("b"), item_id("c")).fraction == 1.0


def test_multiple_choice_counts_a_repeated_option_once():
    assert submit(TOMB, item_id("Grant"), item_id("Grant")).fraction == 0.5


def test_multiple_choice_response_lists_options_in_the_questions_order():
    question_type = TYPES.get(TOMB.type_id)
    response = question_type.parse_response(TOMB, [item_id("Grant's wife"), item_id("Grant")])
    assert response == [item_id("Grant"), item_id("Grant's wife")]


def test_multiple_choice_feedback_follows_every_ticked_option():
    tricky = question("Pick. {~%100%a#Yes a. ~b#Not b. ~c}")
    assert submit(tricky, item_id("a"), item_id("b")).feedback == ["Yes a.", "Not b."]


# True/false


def test_true_false_right_answer_earns_credit_and_right_feedback():
    graded = submit(SUN, "false")
    assert (graded.fraction, graded.feedback) == (1.0, ["Right."])


def test_true_false_wrong_answer_earns_the_wrong_feedback():
    graded = submit(SUN, "true")
    assert (graded.fraction, graded.feedback) == (0.0, ["It rises in the East."])


@pytest.mark.parametrize("value", ["yes", "1", "TRUE", "-1"])
def test_true_false_refuses_anything_but_true_or_false(value):
    with pytest.raises(InvalidResponse):
        submit(SUN, value)


# Short answer


def test_short_answer_ignores_case_by_default():
    assert submit(ID_CARD, "CĂN CƯỚC").fraction == 1.0


def test_short_answer_can_match_case():
    symbol = question("// lms: match-case\nSodium? {=Na}")
    assert submit(symbol, "Na").fraction == 1.0
    assert submit(symbol, "NA").fraction == 0.0


def test_short_answer_keeps_diacritics_by_default():
    assert submit(ID_CARD, "can cuoc").fraction == 0.0


@pytest.mark.parametrize("typed", ["can cuoc", "Can Cuoc", "CĂN CƯỚC", "cǎn cươc"])
def test_short_answer_can_ignore_diacritics(typed):
    lenient = question("// lms: ignore-diacritics\nGiấy tờ tùy thân? {=Căn cước}")
    assert submit(lenient, typed).fraction == 1.0


def test_short_answer_ignoring_diacritics_reads_đ_as_d_but_not_other_letters():
    lenient = question("// lms: ignore-diacritics\nTên? {=Đức}")
    assert submit(lenient, "duc").fraction == 1.0
    assert submit(lenient, "dục").fraction == 1.0
    assert submit(lenient, "dua").fraction == 0.0


def test_short_answer_normalises_whitespace():
    assert submit(ID_CARD, "  Căn \t  cước\n").fraction == 1.0


def test_short_answer_accepts_text_typed_with_combining_accents():
    decomposed = unicodedata.normalize("NFD", "Căn cước")
    assert decomposed != "Căn cước"
    assert submit(ID_CARD, decomposed).fraction == 1.0


def test_short_answer_partial_answer_earns_its_weight_and_feedback():
    graded = submit(ID_CARD, "chứng minh nhân dân")
    assert (graded.fraction, graded.feedback) == (0.5, ["Tên cũ."])


def test_short_answer_wrong_text_earns_nothing():
    assert submit(ID_CARD, "hộ chiếu") == submit(ID_CARD)


def test_short_answer_refuses_two_values():
    with pytest.raises(InvalidResponse, match="only one answer"):
        submit(ID_CARD, "Căn cước", "CMND")


def test_short_answer_refuses_an_overlong_answer():
    with pytest.raises(InvalidResponse, match="too long"):
        submit(ID_CARD, "a" * 1001)


# Numeric


@pytest.mark.parametrize("typed", ["3.14", "3.13", "3.15", "3,15", " 3,13 ", "+3.14"])
def test_numeric_accepts_the_value_within_its_tolerance_edges_included(typed):
    assert submit(PI, typed).fraction == 1.0


@pytest.mark.parametrize("typed", ["3.1500001", "3.1299999", "-3.14", "314"])
def test_numeric_refuses_credit_just_outside_the_tolerance(typed):
    assert submit(PI, typed).fraction == 0.0


@pytest.mark.parametrize(("typed", "fraction"), [("1", 1), ("5", 1), ("2,5", 1), ("5.0001", 0)])
def test_numeric_range_includes_its_ends(typed, fraction):
    assert submit(RANGE, typed).fraction == fraction


def test_numeric_answers_carry_weights_and_feedback():
    assert submit(YEAR, "2000").feedback == ["Yes."]
    graded = submit(YEAR, "1999")
    assert (graded.fraction, graded.feedback) == (0.5, ["Close."])


def test_numeric_other_answers_get_the_other_feedback():
    graded = submit(YEAR, "1234")
    assert (graded.fraction, graded.feedback) == (0.0, ["Think of the millennium."])


def test_numeric_response_is_the_number_as_decimal_text():
    assert TYPES.get("numeric").parse_response(PI, [" 3,5 "]) == "3.5"


@pytest.mark.parametrize("typed", ["abc", "3.1.4", "3,1,4", "1.000,5", "1e3", "3 14", "--3", "π"])
def test_numeric_refuses_what_is_not_a_number(typed):
    with pytest.raises(InvalidResponse, match="Enter a number"):
        submit(PI, typed)


def test_numeric_refuses_two_values():
    with pytest.raises(InvalidResponse):
        submit(PI, "3.14", "3.15")


# Matching


def test_matching_every_pair_right_earns_full_credit():
    graded = submit(
        CAPITALS, pair("Canada", "Ottawa"), pair("Italy", "Rome"), pair("Japan", "Tokyo")
    )
    assert graded.fraction == 1.0


def test_matching_earns_the_share_of_right_pairs():
    graded = submit(
        CAPITALS, pair("Canada", "Ottawa"), pair("Italy", "Sydney"), pair("Japan", "Rome")
    )
    assert graded.fraction == pytest.approx(1 / 3, abs=1e-4)


def test_matching_items_left_unanswered_count_as_wrong():
    assert submit(CAPITALS, pair("Canada", "Ottawa"), "").fraction == pytest.approx(1 / 3, abs=1e-4)


@pytest.mark.parametrize(
    "value",
    [
        pair("France", "Ottawa"),
        pair("Canada", "Paris"),
        item_id("Canada"),
        f"{item_id('Canada')}:",
        "0:1",
        "-1:-1",
    ],
)
def test_matching_refuses_a_pair_naming_an_unknown_item(value):
    with pytest.raises(InvalidResponse, match="not in the question"):
        submit(CAPITALS, value)


def test_matching_refuses_an_item_matched_twice():
    with pytest.raises(InvalidResponse, match="only once"):
        submit(CAPITALS, pair("Canada", "Ottawa"), pair("Canada", "Rome"))


# What the browser sees before the attempt is finished


def secrets_of(asked: Question) -> list[str]:
    """Texts and numbers that would tell a learner what is right."""
    data = asked.data
    found = [asked.general_feedback, asked.name, asked.category, '"fraction"', '"feedback"']
    found += [o["feedback"] for o in data.get("options", [])]
    found += [a["text"] for a in data.get("answers", []) if "text" in a]
    found += [a["feedback"] for a in data.get("answers", [])]
    found += [format_number(a["value"]) for a in data.get("answers", []) if "value" in a]
    found += [data.get("feedback_right", ""), data.get("feedback_wrong", "")]
    found += [data.get("other_feedback", ""), '"match"', '"correct"']
    return [secret for secret in found if secret]


SECRETIVE = [
    question("::Capital::$CATEGORY-like name? {=Hà Nội#Đúng. ~Huế#Cố đô. ####Hà Nội từ 1010.}"),
    PRIMES,
    TOMB,
    SUN,
    ID_CARD,
    PI,
    YEAR,
    RANGE,
    CAPITALS,
    question("::Bí mật::Số định danh có mấy chữ số? {#12.5:0.25#Hay. ~#Xem thẻ. ####Tra thẻ.}"),
]


@pytest.mark.parametrize("asked", SECRETIVE, ids=lambda q: q.type_id)
@pytest.mark.parametrize("rng", [None, Random(7)], ids=["in order", "shuffled"])
def test_public_view_reveals_nothing_that_tells_right_from_wrong(asked, rng):
    seen = json.dumps(TYPES.get(asked.type_id).public(asked, rng), ensure_ascii=False)
    assert asked.text in seen
    for secret in secrets_of(asked):
        assert secret not in seen


def test_public_view_of_choices_lists_every_option_with_its_id_in_the_authors_order():
    seen = TYPES.get(TOMB.type_id).public(TOMB)
    assert seen["options"] == [{"id": o["id"], "text": o["text"]} for o in TOMB.data["options"]]


def test_public_view_shuffles_options_the_same_way_for_the_same_seed():
    choice = TYPES.get(TOMB.type_id)
    assert choice.public(TOMB, Random(3)) == choice.public(TOMB, Random(3))
    shuffles = {
        tuple(option["id"] for option in choice.public(TOMB, Random(seed))["options"])
        for seed in range(20)
    }
    assert len(shuffles) > 1
    assert all(sorted(order) == sorted(o["id"] for o in TOMB.data["options"]) for order in shuffles)


def test_matching_shuffles_its_choices_and_keeps_its_items_in_order():
    matching = TYPES.get("matching")
    shuffles = {
        tuple(choice["text"] for choice in matching.public(CAPITALS, Random(seed))["choices"])
        for seed in range(20)
    }
    assert len(shuffles) > 1
    seen = matching.public(CAPITALS, Random(5))
    assert [item["text"] for item in seen["items"]] == ["Canada", "Italy", "Japan"]


def test_option_ids_do_not_reveal_the_order_the_author_wrote():
    reordered = question(
        "Who is entombed? {~%50%Grant's wife ~%-100%A dog ~%50%Grant ~%-100%No one}"
    )
    ids = {o["text"]: o["id"] for o in TOMB.data["options"]}
    assert all(ids[o["text"]] == o["id"] for o in reordered.data["options"])


def test_public_view_of_matching_does_not_line_choices_up_with_items():
    seen = TYPES.get("matching").public(CAPITALS)
    assert [item["text"] for item in seen["items"]] == ["Canada", "Italy", "Japan"]
    assert [choice["text"] for choice in seen["choices"]] == ["Ottawa", "Rome", "Sydney", "Tokyo"]


def test_public_view_of_true_false_offers_both_answers():
    seen = TYPES.get("true_false").public(SUN)
    assert seen["options"] == [{"id": "true", "text": "True"}, {"id": "false", "text": "False"}]


def test_public_view_shows_the_blank_of_a_missing_word_question():
    blank = question("Hà Nội là {=thủ đô} của Việt Nam.")
    assert TYPES.get("short_answer").public(blank)["text"] == "Hà Nội là {_} của Việt Nam."


# Review after the attempt


@pytest.mark.parametrize(
    ("asked", "answers"),
    [
        (CAPITAL, ["Hà Nội"]),
        (PRIMES, ["2", "3", "5"]),
        (TOMB, ["Grant", "Grant's wife"]),
        (SUN, ["False"]),
        (ID_CARD, ["Căn cước"]),
        (PI, ["3.14 ± 0.01"]),
        (RANGE, ["1 – 5"]),
        (YEAR, ["2000"]),
        (CAPITALS, ["Canada → Ottawa", "Italy → Rome", "Japan → Tokyo"]),
    ],
    ids=lambda value: getattr(value, "type_id", ""),
)
def test_correct_answers_for_the_review(asked, answers):
    assert TYPES.get(asked.type_id).correct_answers(asked) == answers


# The registry


def test_registry_finds_installed_types_and_degrades_gently_for_others():
    assert TYPES.get("numeric").type_id == "numeric"
    assert TYPES.get("essay") is None


def test_registry_refuses_two_types_with_one_id():
    class OtherNumeric:
        type_id = "numeric"

    with pytest.raises(ValueError, match="two question types have the id 'numeric'"):
        QuestionTypes([BUILT_IN_TYPES, [OtherNumeric()]])


def test_every_built_in_type_has_a_translatable_label():
    assert all(str(question_type.label) for question_type in BUILT_IN_TYPES)
