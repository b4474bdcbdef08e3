"""Questions as GIFT imports them, built by type for the GIFT tests."""

from lms.assessment.questions import Question, item_id


def option(text, fraction=0.0, feedback=""):
    return {"id": item_id(text), "text": text, "fraction": fraction, "feedback": feedback}


def answer(text, fraction=1.0, feedback=""):
    return {"text": text, "fraction": fraction, "feedback": feedback}


def within(value, tolerance=0.0, fraction=1.0, feedback=""):
    return {"value": value, "tolerance": tolerance, "fraction": fraction, "feedback": feedback}


def between(low, high, fraction=1.0, feedback=""):
    return {"min": low, "max": high, "fraction": fraction, "feedback": feedback}


def single(text, *options, **fields):
    return Question(type_id="single_choice", text=text, data={"options": list(options)}, **fields)


def multiple(text, *options, **fields):
    return Question(type_id="multiple_choice", text=text, data={"options": list(options)}, **fields)


def true_false(text, correct, right="", wrong="", **fields):
    data = {"correct": correct, "feedback_right": right, "feedback_wrong": wrong}
    return Question(type_id="true_false", text=text, data=data, **fields)


def short(text, *answers, ignore_case=True, ignore_diacritics=False, **fields):
    data = {
        "answers": list(answers),
        "ignore_case": ignore_case,
        "ignore_diacritics": ignore_diacritics,
    }
    return Question(type_id="short_answer", text=text, data=data, **fields)


def numeric(text, *answers, other="", **fields):
    data = {"answers": list(answers), "other_feedback": other}
    return Question(type_id="numeric", text=text, data=data, **fields)


def matching(text, pairs, distractors=(), **fields):
    items = [{"id": item_id(left), "text": left, "match": item_id(right)} for left, right in pairs]
    texts = dict.fromkeys([right for _, right in pairs] + list(distractors))
    choices = [{"id": item_id(choice), "text": choice} for choice in texts]
    return Question(
        type_id="matching", text=text, data={"items": items, "choices": choices}, **fields
    )
