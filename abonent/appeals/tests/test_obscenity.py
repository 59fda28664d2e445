"""Tests for the obscene/insult/threat detector (pure Python, no database).

The detector only suggests a non-consideration ground, so the clean corpus is as
important as the offensive one: every sentence in CLEAN is everyday text of an
electricity supplier or a known trap for substring matchers.
"""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from abonent.appeals.obscenity import (
    INSULT,
    OBSCENE,
    THREAT,
    Finding,
    find_offensive,
    has_offensive,
)

CLEAN = [
    # the trap corpus: PyPI libraries flagged these
    "Оплата 500 рубля за употребление электроэнергии",
    "Просим не оскорблять наших сотрудников и соблюдать вежливость",
    "Оборудование доставлено с корабля в порт, просим подключить склад",
    "Застрахуйте, пожалуйста, наш объект на время ремонта",
    "Застраховать трансформатор нужно до 1 мая",
    # words with obscene substrings
    "Потребитель обязан оплачивать потребление электроэнергии до 18-го числа",
    "Электропотребление за март выросло на 12 процентов",
    "Направляем требование о перерасчёте за январь",
    "Фиксируем колебания напряжения в сети 0,4 кВ",
    "Сумма к оплате: 1 250 рублей 40 копеек, долг 3 рубля",
    "Провод задевает сучок дерева у опоры № 12",
    "Работы выполнены без сучка и задоринки, спасибо бригаде",
    "На складе хранится сукно, нужна стабильная температура",
    "Подсудимый по делу о хищении электроэнергии признал вину",
    "Тарифы на 2026 год опубликованы на сайте",
    "Прошу заменить прибор учёта Меркурий 230",
    "Ребята из сетевой компании приехали быстро",
    "Наш учебный центр расположен по адресу ул. Ленина, 5",
    "Пребывание посторонних в трансформаторной подстанции запрещено",
    "Себестоимость продукции зависит от тарифа на электроэнергию",
    "Ответственный — Хлебников Сергей Петрович, главный энергетик",
    "Для очистки контактов использовали скипидар и скребок",
    "Пластиковый гребешок для укладки кабеля сломан",
    "Магазин «Небесный» на ул. Мира просит подключить вторую линию",
    "Мандат депутата не даёт права на льготный тариф",
    "Склад мандаринов требует круглосуточного охлаждения",
    "Команда монтажников прибыла в 9:00",
    "На небе гроза, опасаемся отключения",
    "Пекарня не выпекла хлеба из-за отключения света",
    "В погреба подведено освещение",
    "Спортивная база по гребле просит заключить договор",
    "Клуб исторического фехтования «Сабля» просит продлить договор",
    "Бляха с номером опоры сорвана",
    "Мудрое решение — перейти на двухтарифный учёт",
    "Проводится гидроочистка оборудования котельной",
    "Вебинар для потребителей пройдёт в четверг",
    "Хулиганы повредили щиток в подъезде",
    "Рубить сук, на котором сидишь, — плохая стратегия",
    # abbreviations, codes, names
    "ЕБРР выделил кредит на модернизацию подстанции",
    "Показания: Т1 — 12345, Т2 — 6789 кВт*ч",
    "Подстанции ТП-6 и КТП-10/0,4 обслуживаются по графику",
    "Конденсаторы ряда Е6 заменены",
    "EBITDA компании выросла на 5%",
    "Обращается Козлов И.И. по вопросу перерасчёта",
    "Козлова Марина Ивановна просит пересчитать пени",
    "Акт подписал Е.Б.А. Иванов",
    "В хозяйстве содержится скотина: коровы, овцы и козёл",
    # threat-like but legitimate
    "Мы обратимся в суд",
    "Отключите — пожалеете",
    "Скачок напряжения сжёг холодильник и котёл",
    "Вы сожгли мне всю технику своим напряжением!",
    "Оборванный провод может убить ребёнка, примите меры",
    "Меня чуть не убило током у щитка",
    "На обледеневших ступенях у кассы можно сломать ногу",
    "Я сломал ногу на вашей лестнице и требую компенсацию",
    "Трансформатор взорвался ночью, весь квартал без света",
    "Не пожалеете, если выберете наш тариф",
    "В конце месяца вам придёт счёт",
    "Конец срока действия договора — 31 декабря",
    "Прибью табличку с номером дома на опору сам",
    "Мусор сожгу сам, вывозить не нужно",
    "Будем бить тревогу, если вопрос не решится",
    "Будем резать расходы на освещение",
    "Вы знаете, где я живу? Счёт пришёл на чужой адрес",
    "Будем благодарны за скорейший ответ",
    "Крышка щитка сорвана, вам нужно её заменить",
    "Вы хотите нас убить такими тарифами?",
    "Не держите нас за идиотов, пересчитайте счёт",
    "Мы что, идиоты, платить дважды?",
    "Нашли дураков — платить за соседа",
    "Я знаю, где живёт собственник, могу дать адрес",
    "Мы не знаем, где живёт прежний владелец",
    "Прибью табличку для контролёра на двери щитовой",
    "Разнесу квитанции по квартирам сам",
    "Сожгу ваши старые квитанции",
    "Вам придётся поломать голову над нашим счётом",
    "Сломаю голову, пока разберусь в вашем счёте",
    "Я считаю себя идиотом, что подписал этот договор",
    "Дурра и сорго — наши культуры, просим тариф для сельхозпроизводителей",
]

OFFENSIVE = [
    # obscene
    ("Сука, опять отключили свет!", OBSCENE),
    ("Вы там совсем ебанутые?", OBSCENE),
    ("Эти п1здюки из сетевой снова всё сломали", OBSCENE),
    ("Какого хуя вы отключили электричество?", OBSCENE),
    ("Мне похуй на ваши тарифы", OBSCENE),
    ("Это пиздец, а не обслуживание", OBSCENE),
    ("Бляяяя, сколько можно ждать", OBSCENE),
    ("Блять, где мастер?", OBSCENE),
    ("Контролёр — мудак", OBSCENE),
    ("Вы заебали со своими счетами", OBSCENE),
    ("Наебали на 5000 рублей", OBSCENE),
    ("Отъебитесь от меня со своими пенями", OBSCENE),
    ("Уёбки, верните деньги", OBSCENE),
    ("Ваш монтёр долбоёб", OBSCENE),
    ("Нахуй такой сервис", OBSCENE),
    ("Охуеть, счёт за месяц 20 тысяч", OBSCENE),
    ("Пидорасы, включите свет", OBSCENE),
    ("Гандоны из абонентского отдела", OBSCENE),
    ("На телефоне сидят одни шлюхи", OBSCENE),
    ("Залупа, а не сервис", OBSCENE),
    ("Выблядки, верните пломбу", OBSCENE),
    ("Хуйня ваш личный кабинет", OBSCENE),
    ("Спиздили счётчик с опоры", OBSCENE),
    ("Ёбаный счётчик опять крутит", OBSCENE),
    ("Хуёво работаете", OBSCENE),
    ("Манда с ресепшена нахамила", OBSCENE),
    ("Сучара из бухгалтерии не отвечает", OBSCENE),
    ("Сукин сын этот инспектор", OBSCENE),
    ("Дрочите там в офисе вместо работы", OBSCENE),
    # insults
    ("Вы там все дебилы?", INSULT),
    ("Идиоты, проверьте показания", INSULT),
    ("Ваш контролёр — урод", INSULT),
    ("Оператор — тупица, ничего не понимает", INSULT),
    ("Кретины, сколько можно ошибаться в счетах", INSULT),
    ("Мрази, верните деньги", INSULT),
    ("Сволочи, опять отключили", INSULT),
    ("Ты скотина, а не монтёр", INSULT),
    ("Ублюдки из энергосбыта", INSULT),
    ("Ваши сотрудники — быдло", INSULT),
    ("Чмо в окошке не приняло документы", INSULT),
    ("Вы козлы!", INSULT),
    ("Ваш инспектор — козёл", INSULT),
    ("Придурки в колл-центре опять всё перепутали", INSULT),
    ("Твари, верните деньги", INSULT),
    ("Дегенераты, счёт неверный", INSULT),
    ("Я считаю, что контролёр — идиот", INSULT),
    ("Мы вам не нужны, идиоты?", INSULT),
    # threats
    ("Если не включите свет, я вашего директора убью", THREAT),
    ("Я вас всех убью!", THREAT),
    ("Подожгу ваш офис, если не вернёте деньги", THREAT),
    ("Взорвём вашу подстанцию", THREAT),
    ("Ноги вам переломаю", THREAT),
    ("Переломаю ноги вашему монтёру", THREAT),
    ("Голову оторву вашему контролёру", THREAT),
    ("Вам конец!", THREAT),
    ("Тебе не жить.", THREAT),
    ("Я знаю, где живёт ваш директор.", THREAT),
    ("Пристрелю любого, кто подойдёт к моему счётчику", THREAT),
    ("Зарежу контролёра, если ещё раз придёт", THREAT),
    ("Сожгу вашу контору", THREAT),
    ("Убить вас мало", THREAT),
    ("Пожалеете, что на свет родились", THREAT),
    ("Пустим красного петуха вашей конторе", THREAT),
    ("Буду стрелять в каждого контролёра", THREAT),
    ("Прибью вашего инспектора", THREAT),
    ("Кровью умоетесь", THREAT),
    ("Урою вашего инспектора", THREAT),
]


def _kinds(text: str) -> set[str]:
    return {f.kind for f in find_offensive(text)}


@pytest.mark.parametrize("text", CLEAN)
def test_clean_text_is_not_flagged(text):
    assert find_offensive(text) == []
    assert not has_offensive(text)


@pytest.mark.parametrize(("text", "kind"), OFFENSIVE)
def test_offensive_text_is_flagged_with_the_right_kind(text, kind):
    assert kind in _kinds(text)
    assert has_offensive(text)


def test_corpora_are_big_enough():
    assert len(CLEAN) >= 40
    assert len(OFFENSIVE) >= 40
    assert sum(kind != THREAT for _, kind in OFFENSIVE) >= 40


@pytest.mark.parametrize(("text", "kind"), OFFENSIVE)
def test_every_finding_points_at_the_original_text(text, kind):
    for finding in find_offensive(text):
        assert text[finding.start : finding.end] == finding.word


# ---------------------------------------------------------------------------
# Obfuscation
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("эти п1здюки", "п1здюки"),
        ("ну ты cyка", "cyка"),  # Latin c and y
        ("CYKA", "CYKA"),  # fully Latin look-alikes, a dictionary word
        ("бляяяя", "бляяяя"),
        ("ну х.у.й знает", "х.у.й"),
        ("ну х у й знает", "х у й"),
        ("ну х-у-й знает", "х-у-й"),
        ("вы с.у.к.а", "с.у.к.а"),
        ("это пи-здец", "пи-здец"),
        ("6ля, опять", "6ля"),
        ("бл9ть, опять", "бл9ть"),
        ("б1ять, опять", "б1ять"),  # 1 read as л
        ("}{уйня", "}{уйня"),
        ("xuйня", "xuйня"),  # Latin u read as у
        ("nuзда", "nuзда"),  # Latin n and u read as п and и
        ("пиzдец", "пиzдец"),  # transliteration inside a Cyrillic word
        ("ХУЙНЯ", "ХУЙНЯ"),
        ("ебанный", "ебанный"),
        ("сьебались", "сьебались"),  # ь instead of ъ
        ("су\u0301ка", "су\u0301ка"),  # stress mark
        ("су\u200bка", "су\u200bка"),  # zero-width space
        ("пи\u00adздец", "пи\u00adздец"),  # soft hyphen
        ("ｓｕｋａ сука", "сука"),  # full-width Latin is not Russian; the Cyrillic word is
    ],
)
def test_obfuscations_are_caught(text, word):
    findings = [f for f in find_offensive(text) if f.kind == OBSCENE]
    assert [f.word for f in findings] == [word]


@pytest.mark.parametrize("text", ["х*й", "ху*", "п**дец", "п****ц", "бл*ть", "е*ать", "с*ка", "ху#ня"])
def test_masked_words_are_obscene(text):
    # Decision: a self-censored word is still an obscene expression in the letter,
    # so «х*й» is flagged (it can only be read as хуй: the mask stands for 1-2
    # letters and must leave at least two letters visible, so «х**», which is as
    # often хер or хрен, is not flagged).
    assert [f.kind for f in find_offensive(text)] == [OBSCENE]


@pytest.mark.parametrize("text", ["***", "х**", "п***", "по**", "no** way", "тариф*", "кВт*ч", "*важно*", "2*3", "А*Б"])
def test_masks_without_an_obscene_reading_are_ignored(text):
    assert find_offensive(text) == []


def test_spaced_letters_join_only_into_dictionary_words():
    # «и в у» are real one-letter words; initials such as «Е.Б.А.» must stay clean
    assert find_offensive("и в у нас, и у вас") == []
    assert find_offensive("Согласовано: Е.Б.А. Петров") == []


def test_latin_words_that_are_not_russian_stay_clean():
    assert find_offensive("ebay hub home coke EBITDA pizza") == []


# ---------------------------------------------------------------------------
# Offsets
# ---------------------------------------------------------------------------


def test_offsets_point_at_the_original_word():
    text = "Добрый день. Ваши сотрудники — ебанутые, а контролёр — урод."
    findings = find_offensive(text)
    assert findings == [
        Finding(OBSCENE, "ебанутые", text.index("ебанутые"), text.index("ебанутые") + 8),
        Finding(INSULT, "урод", text.index("урод"), text.index("урод") + 4),
    ]


def test_offsets_survive_invisible_characters_and_accents():
    text = "\u200bНу\u00ad ты cy\u0301ка, п1здюк!"
    words = [text[f.start : f.end] for f in find_offensive(text)]
    assert words == ["cy\u0301ка", "п1здюк"]


def test_offsets_survive_nfkc_expansion():
    # «ﬁ» expands to two characters under NFKC; offsets must still be original ones
    text = "ﬁﬁ сука"
    (finding,) = find_offensive(text)
    assert (finding.start, finding.end, finding.word) == (3, 7, "сука")


_PIECES = st.sampled_from(
    ["сука", "х", "у", "й", ".", " ", "*", "\u0301", "\u200b", "ﬁ", "1", "cy", "ка", "ё", "Й", "\n", "убью", "вас"]
)


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(_PIECES, max_size=20).map("".join) | st.text(max_size=60))
def test_offsets_are_consistent_for_any_text(text):
    for finding in find_offensive(text):
        assert 0 <= finding.start < finding.end <= len(text)
        assert text[finding.start : finding.end] == finding.word


def test_findings_are_sorted_by_position():
    text = "Сука, я вас убью, уроды"
    findings = find_offensive(text)
    assert [f.kind for f in findings] == [OBSCENE, THREAT, INSULT]
    assert [f.start for f in findings] == sorted(f.start for f in findings)


# ---------------------------------------------------------------------------
# Threats and ambiguous decisions
# ---------------------------------------------------------------------------


def test_threat_to_kill_the_director():
    text = "Если не включите свет, я вашего директора убью"
    assert find_offensive(text) == [Finding(THREAT, "убью", 42, 46)]


def test_going_to_court_is_not_a_threat():
    assert find_offensive("Мы обратимся в суд") == []
    assert find_offensive("Обратимся в прокуратуру, если не сделаете перерасчёт") == []
    assert find_offensive("Отключение электроэнергии незаконно") == []


def test_bare_you_will_regret_is_not_a_threat():
    # Decision: «пожалеете» alone threatens nothing specific (it is usually followed by
    # a court or the prosecutor), and the ground requires a threat to life, health or
    # property.  The idiom «пожалеете, что на свет родились» is flagged.
    assert find_offensive("Отключите — пожалеете") == []
    assert find_offensive("Вы ещё пожалеете об этом") == []
    assert [f.kind for f in find_offensive("Пожалеешь, что родился")] == [THREAT]


def test_negated_threat_is_ignored():
    assert find_offensive("Я никого не убью, но жалобу напишу") == []


def test_threat_phrase_spans_the_whole_phrase():
    text = "Ноги вам переломаю"
    assert find_offensive(text) == [Finding(THREAT, "Ноги вам переломаю", 0, len(text))]


def test_knot_and_branch_are_not_the_swear_word():
    # Decision: «сучка», «сучку», «сучке» are also forms of «сучок» (knot); they are
    # obscene unless a preposition that goes with the knot precedes them.  «сучки»
    # and the plural cases are left alone (knots on poles), as are «сук/сучья» (branch).
    assert find_offensive("без сучка, без задоринки; сучья спилили; сучки на опоре") == []
    assert find_offensive("провод зацепился за сук, на сучке следы гари, к сучку не подойти") == []
    assert [f.word for f in find_offensive("Оператор — сучка крашеная")] == ["сучка"]
    assert [f.word for f in find_offensive("с этой сучкой говорить бесполезно")] == ["сучкой"]
    assert [f.word for f in find_offensive("сучара")] == ["сучара"]


def test_animal_insults_count_only_when_addressed():
    # Decision: «козел» and «скотина» are animals on customers' farms, so they are
    # insults only when aimed at someone: with «вы/ты/ваш» in the clause or as a
    # short exclamation.
    assert find_offensive("На ферме содержатся козы и козёл, нужен свет в хлеву") == []
    assert [f.kind for f in find_offensive("Козлы!")] == [INSULT]
    assert [f.kind for f in find_offensive("Вы там козлы, а не энергетики")] == [INSULT]


def test_surnames_are_not_insults():
    assert find_offensive("Прошу направить ответ Козлову И.И.") == []
    assert find_offensive("Сукин А.В. просит перерасчёт") == []


# ---------------------------------------------------------------------------
# Volume
# ---------------------------------------------------------------------------


def test_ten_thousand_words_are_processed():
    sentences: list[str] = []
    while sum(len(s.split()) for s in sentences) < 10_000:
        sentences.extend(CLEAN)
    # sentences keep their own boundaries: «козёл» is an insult only in a sentence
    # that also addresses someone
    clean_text = ". ".join(sentences)
    assert len(clean_text.split()) >= 10_000
    assert find_offensive(clean_text) == []

    mixed = clean_text + " Сука, я вас убью, уроды"
    assert {f.kind for f in find_offensive(mixed)} == {OBSCENE, THREAT, INSULT}
