"""A password validator for words of this context (ASVS 6.1.2, 6.2.11): the system's, the supplier's and the
city's names are the first guesses of anyone attacking these logins, also typed in the other keyboard layout
(«f,jytyn» is «абонент» typed with the Latin layout on)."""

from django.core.exceptions import ValidationError

# The documented list (docs/security.md, V6). Stems, so that endings do not help: «барнаульский», «абоненты».
CONTEXT_WORDS = (
    "абонент", "abonent", "горэлектросет", "gorelektroset", "gorelectroset", "бгэс", "bges",
    "барнаул", "barnaul",
)
_RU = "йцукенгшщзхъфывапролджэячсмитьбю"
_EN = "qwertyuiop[]asdfghjkl;'zxcvbnm,."
_TO_EN = str.maketrans(_RU, _EN)


def _variants(word: str) -> set[str]:
    return {word, word.translate(_TO_EN)}


class ContextWordsValidator:
    """Refuses a password that contains one of CONTEXT_WORDS (in any case, in either keyboard layout)."""

    def __init__(self, words: tuple[str, ...] = CONTEXT_WORDS):
        self.words = {variant for word in words for variant in _variants(word.casefold())}

    def validate(self, password: str, user=None) -> None:
        lowered = password.casefold().replace("ё", "е")
        if any(word in lowered for word in self.words):
            raise ValidationError(
                "Пароль не должен содержать название системы, организации или города: такие пароли подбирают "
                "первыми.", code="password_context_word")

    def get_help_text(self) -> str:
        return "Пароль не должен содержать названия системы «Абонент», организации и города."
