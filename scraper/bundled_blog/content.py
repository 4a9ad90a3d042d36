"""What the bundled blog says: its posts, in English and Polish, as plain data.

The seed article keeps the real text of the live blog (``seed/``), and its 30 teasers are
WordPress excerpts (the first ten words of a post, then "[…]"), so every post a seed teaser
points to opens with exactly the words that teaser shows. The other bodies are written for
the purpose; the theme (``theme.py``) turns them into WordPress markup.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from html import escape
from importlib import resources

SEED_SLUG = "how-to-roll-your-back-exercises-for-back-pain"
SEED_TITLE = "How to roll your back? Exercises for back pain"
EXCERPT_WORDS = 10


@dataclass
class Post:
    """One post. ``body`` is the HTML of the entry content; ``related`` lists the slugs (or
    site paths, for links that lead nowhere) its "They may appeal to you:" block shows."""

    slug: str
    title: str
    language: str
    category: str
    published: datetime
    body: str
    author: str = "Anna Kowalska"
    tags: list[str] = field(default_factory=list)
    read_time: int | None = None
    show_date: bool = True
    show_read_time: bool = True
    related: list[str] = field(default_factory=list)
    modified: datetime | None = None

    @property
    def path(self) -> str:
        return f"/en/{self.slug}/" if self.language == "en" else f"/{self.slug}/"

    @property
    def last_modified(self) -> datetime:
        return self.modified or self.published


def seed_text() -> list[str]:
    """The lines of the real article's visible text."""
    text = resources.files(__package__).joinpath("seed/article-how-to-roll-your-back.txt")
    return text.read_text(encoding="utf-8").splitlines()


def seed_body_lines() -> list[str]:
    lines = seed_text()
    start = lines.index("You can read it in 6 minut") + 1
    return lines[start:lines.index("They may appeal to you:")]


def seed_teasers() -> list[str]:
    """The teaser texts of the seed article, without their "[…]" marker."""
    lines = seed_text()
    block = lines[lines.index("They may appeal to you:") + 1:]
    return [line.removesuffix("[…]").strip() for line in block if line.strip()]


#: The seed article's lines that the text copy shows as short questions: headings on the page.
_SEED_HEADINGS = {
    "Why is this the case? What is the cause of this pain?",
    "In what situations is rolling not advisable and you need to look for other ways to deal "
    "with back pain?",
    "Which duo ball is best to choose?",
}


def seed_body() -> str:
    parts = []
    for line in seed_body_lines():
        tag = "h2" if line in _SEED_HEADINGS else "p"
        parts.append(f"<{tag}>{_escape(line)}</{tag}>")
    return "\n".join(parts)


def _escape(text: str) -> str:
    return escape(text, quote=False)


# --- English posts -------------------------------------------------------------------------
#
# (slug, title, category, opening paragraph, section headings). The seed-linked posts come
# first, in the order of the seed's teasers; each opening starts with its teaser's words.

_SEED_LINKED: list[tuple[str, str, str, str, list[str]]] = [
    ("strength-training-for-runners", "Strength training for runners: where to start",
     "Training",
     "You’ve certainly heard about training for runners more than once. But strength work is "
     "the part most of us skip, and the part that keeps knees and hips out of trouble.",
     ["Why runners need strength", "Five exercises to begin with", "How often to lift"]),
    (SEED_SLUG, SEED_TITLE, "Health", "", []),
    ("stretching-after-running", "Why stretching after running matters", "Health",
     "I’m sure you’ve already heard a lot about the fact that stretching is important. Let us "
     "look at when it helps, when it does not, and how long it should take.",
     ["Static or dynamic?", "A ten-minute routine", "Mistakes to avoid"]),
    ("trail-running-for-beginners", "Trail running: how to leave the asphalt behind",
     "Training",
     "Many runners often begin to tire of the same paths around the block. Trails give the legs "
     "new work and the head a rest.",
     ["What changes off-road", "Shoes with grip", "Safety on the trail", "Your first route"]),
    ("running-for-beginners", "Running for beginners: the first eight weeks", "Beginners",
     "When you start running it is difficult. Some people already give up after the first "
     "week. This plan makes the start gentle enough to last.",
     ["Weeks one and two", "Weeks three to five", "Weeks six to eight", "What to wear"]),
    ("running-in-smog", "Running in smog: is it worth it?", "Health",
     "We all appreciate fresh and clean air. Unfortunately, when you live in a city, winter "
     "often brings smog, and a run can do more harm than good.",
     ["How smog affects the lungs", "When to stay at home", "Masks and air indexes"]),
    ("running-watches", "Running watches: which one to choose", "Equipment",
     "Rarely do you see a runner who is doing their training without any gadget on the wrist. "
     "A watch helps, as long as you know what you need from it.",
     ["GPS and heart rate", "Battery life", "Our picks"]),
    ("evening-running", "Evening running: pros and cons", "Training",
     "A long day spent at work, then training… you could think the evening is the worst time to "
     "run. For many of us it is the only one.",
     ["Sleep after an evening run", "Eating before you go", "Be visible"]),
    ("morning-running", "Morning running: how to get up and go", "Training",
     "For many people, morning running is a nightmare. Getting up an hour earlier feels "
     "impossible, yet those who manage it rarely go back.",
     ["Breakfast or not?", "Warm up longer", "Make it a habit"]),
    ("common-running-mistakes", "Common running mistakes", "Beginners",
     "Many people believe that there is no simpler sport than running. Just put on shoes and go. "
     "Yet a few common mistakes stop many before they get going.",
     ["Too fast, too soon", "Ignoring rest days", "The wrong shoes", "Skipping strength work"]),
    ("how-to-choose-running-shoes", "How to choose running shoes", "Equipment",
     "For any runner, choosing the right shoes is essential. You will spend hundreds of hours in "
     "them, so the choice deserves more than a glance at the colour.",
     ["Know your foot", "Cushioning and drop", "Trying them on", "When to replace them"]),
    ("running-technique", "Running technique: how to land your foot", "Training",
     "The correct abject technique is extremely important. It’s what allows you to run longer "
     "with less effort and fewer injuries.",
     ["Posture", "Cadence", "Foot strike", "Arm swing"]),
    ("sore-muscles-after-running", "Sore muscles after running: what helps", "Health",
     "You just started running, tried new exercises, lengthened your workout, and now every step "
     "on the stairs hurts. Here is what the soreness means.",
     ["What DOMS is", "Active recovery", "When to see a doctor"]),
    ("treadmill-running", "Treadmill running: a guide for rainy days", "Training",
     "Is it ugly weather outside? Can’t get out and run in the rain? The treadmill is a good "
     "friend, if you know how to use it.",
     ["Set the incline", "Workouts that work indoors", "Beat the boredom"]),
    ("warm-up-before-running", "Warm-up before running: 10 exercises", "Training",
     "Everyone knows that warming up is extremely important – no one likes to start a run on "
     "cold, stiff muscles. These ten exercises take ten minutes.",
     ["Mobility", "Activation", "Strides"]),
    ("galloway-method", "The Galloway method: run-walk explained", "Beginners",
     "“Galloway method.” You’re probably thinking that this is some other complicated training "
     "system. In fact it is the simplest one there is: run, walk, repeat.",
     ["How run-walk works", "Intervals for every level", "Can you race with it?"]),
    ("cross-training-for-runners", "Cross-training for runners", "Training",
     "To train effectively, it’s not enough to just run. Especially when the mileage grows, "
     "other sports keep the body balanced.",
     ["Cycling", "Swimming", "Yoga and pilates"]),
    ("running-every-day", "Running every day: is it a good idea?", "Training",
     "Daily running is a really fun form of physical activity. But is it good for you to run "
     "every single day without a break?",
     ["Streaks and their risks", "Easy days", "Listening to your body"]),
    ("running-for-weight-loss", "Running for weight loss", "Health",
     "Now, many people want to get a beautiful and slim figure before summer. Running helps, "
     "though not quite in the way most people expect.",
     ["Energy balance", "Long and slow or short and fast?", "Food matters most"]),
    ("running-motivation", "Running motivation: how not to give up", "Beginners",
     "Do you further reinforce your belief that running is not for you? Every runner has had "
     "that thought. Here is how to get past it.",
     ["Set a small goal", "Find company", "Track your progress"]),
    ("nordic-walking", "Nordic walking for runners", "Training",
     "Running is not the only sport in the world. Everyone who runs can benefit from a walk with "
     "poles, especially on recovery days.",
     ["Technique with poles", "Why it helps runners"]),
    ("running-habit", "How to build a running habit", "Beginners",
     "Do you postpone your training from day to day? You are not alone. Habits, not willpower, "
     "get most runners out of the door.",
     ["Same time, same place", "Prepare the night before", "Reward yourself"]),
    ("benefits-of-running", "Benefits of running for health", "Health",
     "Running is a simple and very effective way to get fit. Its benefits reach far beyond the "
     "muscles and the lungs.",
     ["Heart and blood pressure", "Mood and sleep", "Bones and joints"]),
    ("jogging-vs-running", "Jogging vs running: what is the difference", "Beginners",
     "Everyone mostly talks about running, but what about jogging? It is slower, calmer and, for "
     "many people, the better place to begin.",
     ["Pace and effort", "Which one is for you"]),
    ("interval-training", "Interval training for runners", "Training",
     "Have you ever heard of interval training? It is becoming the favourite session of runners "
     "who want to get faster without running more.",
     ["How intervals work", "Three sessions to try", "How often", "Recovery between sets"]),
    ("mountain-running", "Mountain running: uphill and down", "Training",
     "You can run not only on tracks in cities or in parks. Mountains give the hardest and most "
     "beautiful runs there are.",
     ["Climbing", "Descending", "Gear for the mountains"]),
    ("hydration-for-runners", "Hydration for runners: what and when to drink", "Nutrition",
     "It doesn’t matter if you run every day or every few days, water is what keeps you going. "
     "Drinking well is simpler than the marketing says.",
     ["Before the run", "During the run", "Electrolytes"]),
    ("home-workout-for-runners", "Home workouts for runners", "Training",
     "Sometimes it’s difficult to run outside – too much pollution, rain, or simply no time. A "
     "home workout keeps you in shape.",
     ["No equipment needed", "A 20-minute circuit"]),
    ("ultramarathon", "Ultramarathon: what it is and how to prepare", "Races",
     "You’ve certainly heard the word “marathon” many times, but an ultramarathon is a different "
     "world: any race longer than 42.195 km.",
     ["How long is an ultra?", "Training volume", "Eating on the move", "The mental game"]),
    ("recovery-after-running", "Recovery after running", "Health",
     "Every athlete, even those who are just starting their journey with sport, needs rest. "
     "Recovery is where the training actually pays off.",
     ["Sleep", "Food after the run", "Rolling and stretching"]),
]

_MORE_ENGLISH: list[tuple[str, str, str, str, list[str]]] = [
    ("half-marathon-training-plan", "Half marathon training plan: 12 weeks", "Races",
     "A half marathon is the favourite distance of many amateurs: long enough to be a challenge, "
     "short enough to train for alongside work and family.",
     ["The base phase", "Long runs", "Tempo work", "Taper and race week"]),
    ("running-cadence", "Running cadence: how many steps per minute?", "Training",
     "Cadence is the number of steps you take per minute, and small changes to it can take a "
     "lot of load off your knees.",
     ["Measuring cadence", "The 180 myth", "Raising it gradually"]),
    ("foam-roller-guide", "Foam roller guide for runners", "Equipment",
     "A foam roller is the cheapest massage therapist you will ever hire, and it fits under the "
     "bed.",
     ["Smooth or textured?", "Calves and thighs", "How long to roll"]),
    ("runners-knee", "Runner’s knee: causes and exercises", "Health",
     "Pain around the kneecap is so common among runners that it has its own name. Most cases "
     "respond well to simple changes.",
     ["Where it comes from", "Strengthen the hips", "Back to running"]),
    ("breathing-while-running", "Breathing while running", "Training",
     "Breathing is automatic until you start running uphill. A few techniques make it calmer "
     "and more efficient.",
     ["Nose or mouth?", "Rhythmic breathing", "Side stitches"]),
    ("running-socks", "Running socks: do they really matter?", "Equipment",
     "Nobody brags about their socks, yet blisters ruin more races than bad training does.",
     ["Materials", "Compression socks"]),
    ("running-in-the-heat", "Running in the heat", "Health",
     "Summer heat makes every run harder. Adjusting pace and timing keeps training safe when the "
     "thermometer climbs: avoid the hours between 12:00 and 15:00.",
     ["Slow down", "Run early", "Signs of heat exhaustion"]),
    ("tempo-runs", "Tempo runs: comfortably hard", "Training",
     "The tempo run sits between easy jogging and racing, and it builds the kind of endurance "
     "that races are made of. For many club runners that is a pace of about 5:30 per kilometre.",
     ["Finding tempo pace", "Sample sessions"]),
    ("long-run-nutrition", "What to eat before and during a long run", "Nutrition",
     "The long run is the cornerstone of endurance training, and fuelling it well is a skill "
     "worth practising.",
     ["The evening before", "Gels and bars", "Practise on training days"]),
    ("plantar-fasciitis", "Plantar fasciitis in runners", "Health",
     "A sharp pain under the heel in the first steps of the morning is the classic sign of "
     "plantar fasciitis.",
     ["Causes", "Stretches that help", "Shoes and insoles"]),
    ("running-with-a-dog", "Running with a dog", "Training",
     "A dog is the training partner who never cancels. Running together takes a little "
     "preparation for both of you.",
     ["Which dogs can run", "Leash and harness", "Start slowly"]),
    ("first-5k-race", "Your first 5K race", "Races",
     "Five kilometres is the perfect first race: short, friendly and held almost every weekend "
     "somewhere near you.",
     ["Before the start", "Pacing", "After the finish"]),
    ("running-shoes-lifespan", "How long do running shoes last?", "Equipment",
     "Shoes wear out long before they look worn out, and running in dead foam is asking for "
     "trouble.",
     ["Kilometres, not months", "Signs of wear"]),
    ("core-exercises-for-runners", "Core exercises for runners", "Training",
     "A strong core keeps your posture upright at the end of a long run, when form usually "
     "falls apart first.",
     ["Planks", "Dead bugs and bird dogs", "A weekly routine"]),
]

# --- Polish posts --------------------------------------------------------------------------

_POLISH: list[tuple[str, str, str, str, list[str]]] = [
    ("jak-rolowac-plecy", "Jak rolować plecy? Ćwiczenia na ból pleców", "Zdrowie",
     "Żyjemy w społeczeństwie, w którym ból pleców nie jest nam obcy. Rolowanie pomaga, jeśli "
     "robisz je z głową.",
     ["Skąd bierze się ból", "Jaki wałek wybrać"]),
    ("trening-silowy-dla-biegaczy", "Trening siłowy dla biegaczy", "Trening",
     "Z pewnością nie raz słyszałeś o treningu dla biegaczy. Siła to podstawa zdrowych kolan i "
     "bioder.",
     ["Dlaczego siła", "Ćwiczenia na start"]),
    ("jak-wybrac-buty-do-biegania", "Jak wybrać buty do biegania?", "Sprzęt",
     "Dla każdego biegacza wybór odpowiednich butów jest kluczowy. Spędzisz w nich setki godzin.",
     ["Poznaj swoją stopę", "Amortyzacja"]),
    ("bieganie-zima", "Bieganie zimą – jak się przygotować", "Trening",
     "Zima nie jest powodem, by odpuścić trening. Wystarczy odpowiedni strój i rozsądne tempo.",
     ["Ubierz się na cebulkę", "Uważaj na lód"]),
    ("rozgrzewka-przed-bieganiem", "Rozgrzewka przed bieganiem", "Trening",
     "Każdy wie, że rozgrzewka jest niezwykle ważna. Dziesięć minut wystarczy, by mięśnie były "
     "gotowe.",
     ["Mobilność", "Aktywacja", "Przebieżki"]),
    ("regeneracja-po-bieganiu", "Regeneracja po bieganiu", "Zdrowie",
     "Każdy sportowiec potrzebuje odpoczynku. To właśnie w czasie regeneracji trening przynosi "
     "efekty.",
     ["Sen", "Jedzenie po treningu"]),
]

_EN_PARAGRAPHS = [
    "Start with less than you think you can do. The body adapts to running in weeks, but "
    "tendons and ligaments need months, and most injuries come from doing too much too soon.",
    "Keep most of your runs easy: you should be able to talk in full sentences. Easy running "
    "builds the aerobic base that every faster session later stands on.",
    "Write your sessions down. A simple log of distance, time and how you felt shows patterns "
    "that memory hides, such as the week when every run felt heavy before a cold.",
    "Rest days are part of the plan, not a break from it. Muscles repair and grow stronger "
    "between sessions, and skipping that step turns training into wear.",
    "Pay attention to pain that changes the way you move. Soreness spread across a muscle is "
    "normal after a hard day; a sharp pain in one spot is a reason to stop.",
    "Good shoes matter, but they do not replace gradual progress. Change one thing at a time: "
    "new shoes, new distance or new terrain, never all three in one week.",
    "Hydrate through the day rather than drinking a litre just before you leave. Before longer "
    "runs, a small snack an hour or two earlier is usually enough.",
    "Cadence and posture improve with drills. Two short sessions a week of high knees, butt "
    "kicks and skips teach the legs to move quickly and lightly.",
    "Strength work twice a week protects the joints that running loads. Squats, lunges, calf "
    "raises and planks need no gym and take less than half an hour.",
    "Sleep is the cheapest recovery tool there is. Seven to nine hours a night do more for your "
    "progress than any supplement on the shop shelf.",
    "Run with others from time to time. A club or a friend sets a steady pace, makes the "
    "kilometres pass faster and keeps you honest on cold mornings.",
    "Weather is rarely a good reason to skip a run, but it is a good reason to adjust it: slow "
    "down in the heat, shorten the run in strong wind, and dress in layers in winter.",
    "Plan a lighter week every third or fourth week. Dropping the volume by a third lets the "
    "body absorb the work and often brings your best runs the week after.",
    "Breathing settles when the pace is right. If you gasp, slow down; the point of most runs "
    "is to stay comfortable for longer, not to hurt.",
    "Mix surfaces when you can. Grass, gravel and forest paths spread the load differently from "
    "asphalt and make the small stabilising muscles work.",
    "After the run, walk for a few minutes before you stop completely. It brings the heart rate "
    "down gently and is a good moment to roll and stretch.",
]

_EN_TIPS = [
    "warm up for at least ten minutes",
    "increase weekly distance by no more than ten per cent",
    "replace shoes every 600–800 km",
    "roll the calves and thighs after hard sessions",
    "drink a glass of water before you leave",
    "keep one day a week completely free",
    "run the first kilometre slower than the rest",
    "wear reflective clothing after dark",
    "eat a meal with protein within two hours",
    "stretch when the muscles are still warm",
    "test new gear on short runs first",
    "check the air quality index in winter",
]

_PL_PARAGRAPHS = [
    "Zacznij od mniejszego wysiłku, niż myślisz, że dasz radę. Organizm przyzwyczaja się do "
    "biegania w kilka tygodni, ale ścięgna potrzebują miesięcy.",
    "Większość treningów biegaj w spokojnym tempie, w którym możesz swobodnie rozmawiać. To "
    "buduje bazę tlenową, na której opiera się każdy szybszy trening.",
    "Dni odpoczynku są częścią planu. Mięśnie regenerują się i wzmacniają właśnie pomiędzy "
    "treningami, a pomijanie przerw prowadzi do kontuzji.",
    "Zwracaj uwagę na ból, który zmienia sposób, w jaki się poruszasz. Ostry ból w jednym "
    "miejscu to sygnał, żeby przerwać bieg.",
    "Trening siłowy dwa razy w tygodniu chroni stawy. Przysiady, wykroki i deska nie wymagają "
    "siłowni i zajmują mniej niż pół godziny.",
    "Sen to najtańsze narzędzie regeneracji. Siedem do dziewięciu godzin snu daje więcej niż "
    "jakikolwiek suplement.",
]

_PL_TIPS = [
    "rozgrzewaj się co najmniej dziesięć minut",
    "zwiększaj kilometraż stopniowo",
    "wymieniaj buty co 600–800 km",
    "roluj łydki po mocnym treningu",
    "pij wodę przez cały dzień",
]

_AUTHORS = ["Anna Kowalska", "Piotr Nowak", "Marta Wiśniewska"]
_TAGS = {
    "Training": ["training", "running plan"],
    "Health": ["health", "injuries"],
    "Beginners": ["beginners"],
    "Equipment": ["gear", "shoes"],
    "Nutrition": ["food", "hydration"],
    "Races": ["races", "marathon"],
}


def _pick(seed: str, items: list[str], count: int) -> list[str]:
    """``count`` distinct items chosen by a stable hash of ``seed``: the same on every run."""
    ranked = sorted(items, key=lambda item: hashlib.sha256(f"{seed}|{item}".encode()).digest())
    return ranked[:count]


def _size(seed: str, low: int, high: int) -> int:
    return low + hashlib.sha256(seed.encode()).digest()[0] % (high - low + 1)


def compose_body(slug: str, opening: str, headings: list[str], language: str = "en") -> str:
    """An entry content: the opening paragraph, then a section per heading with one to three
    paragraphs and, in some, a list of tips; lengths vary from post to post."""
    paragraphs, tips = (_EN_PARAGRAPHS, _EN_TIPS) if language == "en" else (_PL_PARAGRAPHS,
                                                                            _PL_TIPS)
    parts = [f"<p>{_escape(opening)}</p>"]
    for number, heading in enumerate(headings):
        seed = f"{slug}/{number}"
        parts.append(f"<h2>{_escape(heading)}</h2>")
        parts.extend(f"<p>{_escape(p)}</p>" for p in _pick(seed, paragraphs, _size(seed, 1, 3)))
        if _size(seed + "list", 0, 2) == 0:
            items = "".join(f"<li>{_escape(tip)}</li>" for tip in _pick(seed, tips, 4))
            parts.append(f"<ul>{items}</ul>")
    return "\n".join(parts)


def excerpt(text: str) -> str:
    """WordPress's automatic excerpt: the first ten words."""
    return " ".join(text.split()[:EXCERPT_WORDS])


def _english_posts() -> list[Post]:
    entries = _SEED_LINKED + _MORE_ENGLISH
    newest = datetime(2023, 11, 20, 8, 0, tzinfo=UTC)
    seed_date = datetime(2023, 8, 18, 8, 0, tzinfo=UTC)
    posts = []
    for index, (slug, title, category, opening, headings) in enumerate(entries):
        published = seed_date if slug == SEED_SLUG else newest - timedelta(days=9 * index + 2)
        body = seed_body() if slug == SEED_SLUG else compose_body(slug, opening, headings)
        posts.append(Post(
            slug=slug, title=title, language="en", category=category, published=published,
            body=body, author=_AUTHORS[index % len(_AUTHORS)], tags=_TAGS[category],
            read_time=6 if slug == SEED_SLUG else None,
        ))
    return posts


def _polish_posts() -> list[Post]:
    newest = datetime(2023, 10, 5, 9, 30, tzinfo=UTC)
    return [
        Post(slug=slug, title=title, language="pl", category=category,
             published=newest - timedelta(days=11 * index), author=_AUTHORS[index % 3],
             body=compose_body(slug, opening, headings, "pl"), tags=["bieganie"])
        for index, (slug, title, category, opening, headings) in enumerate(_POLISH)
    ]


def synthetic_post(number: int, published: date) -> Post:
    """A generated post for benchmarks: the bundled theme, a body of varying length."""
    slug = f"synthetic-post-{number:05d}"
    headings = [f"Part {part} of post {number}" for part in range(1, _size(slug, 2, 6) + 1)]
    opening = (f"Post number {number} of the synthetic blog, written to measure how the "
               "archiver scales with the size of a blog.")
    return Post(slug=slug, title=f"Synthetic post {number}", language="en",
                category="Training", tags=["synthetic"],
                published=datetime.combine(published, datetime.min.time(), tzinfo=UTC),
                body=compose_body(slug, opening, headings))


def build_posts() -> list[Post]:
    """All posts of the bundled blog, newest first within each language."""
    return _english_posts() + _polish_posts()


SEED_RELATED = [slug for slug, *_ in _SEED_LINKED]
