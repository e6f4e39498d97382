"""Word lists the generator draws titles, names and tags from.

Kept apart from the generator's logic so that the code reads as a model of MovieLens and
this file as a thesaurus. Every list is a tuple: order matters, because the same seed must
pick the same words on every machine. All words are Latin-1, so ml-100k and ml-1m files
(which are Latin-1) can carry every title.
"""

from __future__ import annotations

TITLE_ADJECTIVES: tuple[str, ...] = (
    "Silent", "Dark", "Broken", "Golden", "Last", "Lost", "Hidden", "Burning", "Frozen", "Wild",
    "Crimson", "Empty", "Endless", "Final", "First", "Forgotten", "Hollow", "Iron", "Lonely", "Midnight",
    "Painted", "Quiet", "Restless", "Savage", "Secret", "Shattered", "Sleeping", "Stolen", "Strange", "Sweet",
    "Velvet", "Wicked", "Winter", "Bitter", "Blue", "Brave", "Cold", "Crooked", "Deadly", "Distant",
    "Electric", "Fallen", "Fearless", "Gentle", "Glass", "Grand", "Haunted", "Heavy", "Holy", "Invisible",
    "Little", "Lucky", "Mad", "Neon", "Northern", "Perfect", "Poor", "Rising", "Rusty", "Scarlet",
    "Seventh", "Shadow", "Small", "Southern", "Steel", "Summer", "Tender", "Twisted", "Unknown", "Violent",
    "Wandering", "White", "Young", "Black", "Red", "Green", "Long", "Deep", "High", "Narrow",
)

TITLE_NOUNS: tuple[str, ...] = (
    "River", "Harbor", "Road", "City", "House", "Garden", "Storm", "Shadow", "Heart", "Dream",
    "Night", "Summer", "Kingdom", "Empire", "Island", "Mountain", "Valley", "Ocean", "Desert", "Forest",
    "Bridge", "Tower", "Station", "Hotel", "Circus", "Machine", "Engine", "Planet", "Star", "Moon",
    "Sun", "Fire", "Ice", "Rain", "Wind", "Thunder", "Lightning", "Wolf", "Tiger", "Horse",
    "Dragon", "Raven", "Angel", "Ghost", "Stranger", "Soldier", "Sheriff", "Detective", "Doctor", "Pilot",
    "Dancer", "Singer", "Thief", "Witness", "Hunter", "Killer", "Lover", "Father", "Mother", "Sister",
    "Brother", "Daughter", "Son", "Widow", "Bride", "King", "Queen", "Prince", "Princess", "Captain",
    "Game", "Secret", "Promise", "Lie", "Truth", "Memory", "Silence", "Song", "Dance", "Letter",
    "Journey", "Escape", "Return", "Revenge", "Affair", "Heist", "Deal", "Code", "Signal", "Mirror",
    "Window", "Door", "Key", "Map", "Compass", "Crown", "Sword", "Gun", "Badge", "Ticket",
    "Frontier", "Border", "Coast", "Street", "Alley", "Avenue", "Highway", "Tunnel", "Canyon", "Lake",
)

PLACES: tuple[str, ...] = (
    "Paris", "Berlin", "Tokyo", "Chicago", "Brooklyn", "Texas", "Alaska", "Havana", "Vienna", "Rome",
    "Casablanca", "Memphis", "Montana", "Manhattan", "Venice", "Bombay", "Shanghai", "Dublin", "Oslo", "Cairo",
    "Lisbon", "Madrid", "Seattle", "Nevada", "Boston", "Saigon", "Moscow", "Hollywood", "Mars", "Atlantis",
)

FIRST_NAMES: tuple[str, ...] = (
    "Jack", "Annie", "Frank", "Lucy", "Harry", "Mary", "Tom", "Rosie", "Charlie", "Grace",
    "Billy", "Ellen", "Max", "Judy", "Sam", "Nora", "Eddie", "Vera", "Joe", "Molly",
    "Henry", "Ruth", "Oscar", "Ida", "Leo", "Clara", "Walter", "Iris", "Victor", "Stella",
)

#: Foreign titles, already in MovieLens's moved-article form ("Cité des rêves, La").
FOREIGN_TITLES: tuple[str, ...] = (
    "Fleuve silencieux, Le", "Cité des rêves, La", "Enfants du port, Les", "Boot der Nacht, Das",
    "Giorno perduto, Il", "Camino oscuro, El", "Nuit américaine, La", "Sommernachtstraum",
    "Vida secreta", "Amor e morte", "Dolce notte, La", "Mädchen im Regen, Das", "Ciel bleu, Le",
    "Hombre sin nombre, El", "Sang des bêtes, Le", "Förbjuden väg", "Det stille hav",
    "Lumière d'hiver", "Città perduta, La", "Jardin des délices, Le",
)

LEADING_ARTICLES: tuple[str, ...] = ("The", "A", "An")

ROMAN_SEQUELS: tuple[str, ...] = ("II", "III", "IV")

#: Tags people apply, by the movie's genre (canonical genre names).
GENRE_TAGS: dict[str, tuple[str, ...]] = {
    "Action": ("explosions", "car chase", "action packed", "martial arts", "shootout", "stunts"),
    "Adventure": ("treasure hunt", "epic journey", "swashbuckler", "jungle", "quest"),
    "Animation": ("animated", "pixar-like", "stop motion", "hand-drawn", "anime"),
    "Children": ("family", "kids", "talking animals", "good for kids", "coming of age"),
    "Comedy": ("funny", "hilarious", "dark comedy", "slapstick", "witty", "quirky"),
    "Crime": ("heist", "mafia", "gangsters", "organized crime", "corrupt cops", "drugs"),
    "Documentary": ("documentary", "true story", "eye-opening", "interviews", "history"),
    "Drama": ("tearjerker", "emotional", "powerful", "character study", "melancholy"),
    "Fantasy": ("magic", "dragons", "fairy tale", "wizards", "mythology"),
    "Film-Noir": ("noir", "femme fatale", "black and white", "hardboiled", "moody"),
    "Horror": ("gore", "scary", "zombies", "haunted house", "jump scares", "slasher"),
    "IMAX": ("imax", "visually stunning", "big screen"),
    "Musical": ("musical", "great soundtrack", "broadway", "singing", "dance"),
    "Mystery": ("whodunit", "twist ending", "puzzle", "investigation"),
    "Romance": ("romantic", "love story", "chick flick", "love triangle", "sweet"),
    "Sci-Fi": ("time travel", "aliens", "space", "dystopia", "robots", "cyberpunk"),
    "Thriller": ("suspense", "tense", "paranoia", "psychological", "serial killer"),
    "War": ("world war ii", "vietnam", "anti-war", "battle scenes", "soldiers"),
    "Western": ("cowboys", "wild west", "spaghetti western", "gunfight", "frontier"),
}

#: Tags tied to the latent taste axes, one list per pole (axis k positive, axis k negative).
TOPIC_TAGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("mind-bending", ("mindfuck", "surreal", "nonlinear", "thought-provoking", "complex")),
    ("feel-good", ("feel-good", "heartwarming", "uplifting", "cute", "light")),
    ("dark", ("dark", "bleak", "disturbing", "violent", "atmospheric")),
    ("lighthearted", ("lighthearted", "silly", "goofy", "fun", "campy")),
    ("epic", ("epic", "visually stunning", "grand scale", "cinematography", "long")),
    ("intimate", ("slow", "dialogue driven", "small town", "understated", "indie")),
    ("cult", ("cult film", "so bad it's good", "weird", "low budget", "b-movie")),
    ("crowd-pleaser", ("classic", "oscar (best picture)", "must see", "great acting", "blockbuster")),
)

#: Tags that say more about the person than the movie; some contain commas, as real ones do.
PERSONAL_TAGS: tuple[str, ...] = (
    "seen it", "own it", "watch again", "netflix queue", "overrated", "underrated", "boring",
    "funny, but sad", "slow, but worth it", "long, long, long", "good, not great", "in theaters",
)
