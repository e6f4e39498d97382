// cinerec's page: a stored profile (its id kept in localStorage), an autocomplete to add
// liked movies, a demographics form, and the four recommendation sections with thumbs.
// Every string from the data goes in with textContent, never innerHTML: a title may
// contain "<script>".
"use strict";

const PROFILE_KEY = "cinerec.profile";
const SEARCH_DELAY_MS = 120;
const LIKED = 5;
const DISLIKED = 1;

const state = { profileId: null, options: [], active: -1, searchSeq: 0, searchTimer: null };
const $ = (id) => document.getElementById(id);

async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = new Error(typeof data.detail === "string" ? data.detail : `request failed (${response.status})`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function element(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function say(message, isError = false) {
  const status = $("status");
  status.textContent = message;
  status.classList.toggle("error", isError);
}

function movieLabel(movie) {
  return movie.year ? `${movie.title} (${movie.year})` : movie.title;
}

// ------------------------------------------------------------------ profile
async function loadProfile() {
  const saved = localStorage.getItem(PROFILE_KEY);
  if (saved) {
    try {
      return await api("GET", `/api/profiles/${encodeURIComponent(saved)}`);
    } catch (error) {
      if (error.status !== 404 && error.status !== 422) throw error;
    }
  }
  const created = await api("POST", "/api/profiles", {});
  localStorage.setItem(PROFILE_KEY, created.profile_id);
  return created;
}

function showProfile(profile) {
  state.profileId = profile.profile_id;
  const list = $("liked-movies");
  list.replaceChildren();
  for (const { movie, rating } of profile.ratings) {
    const item = element("li");
    const verdict = rating >= 4 ? "👍 " : rating <= 2 ? "👎 " : "";
    item.append(element("span", verdict + movieLabel(movie)));
    const remove = element("button", "×");
    remove.type = "button";
    remove.setAttribute("aria-label", `Forget ${movieLabel(movie)}`);
    remove.addEventListener("click", () => unrate(movie));
    item.append(remove);
    list.append(item);
  }
}

function fillDemographics(demographics) {
  const form = $("demographics");
  for (const name of ["gender", "age", "occupation", "zip"]) {
    form.elements[name].value = demographics[name] ?? "";
  }
}

async function rate(movie, rating) {
  try {
    showProfile(await api("PUT", `/api/profiles/${state.profileId}/ratings/${movie.movie_id}`, { rating }));
    say(`${rating >= 4 ? "Noted that you like" : "Noted that you did not like"} ${movieLabel(movie)}.`);
    await refreshRecommendations();
  } catch (error) {
    say(error.message, true);
  }
}

async function unrate(movie) {
  try {
    showProfile(await api("DELETE", `/api/profiles/${state.profileId}/ratings/${movie.movie_id}`));
    say(`Forgot ${movieLabel(movie)}.`);
    await refreshRecommendations();
  } catch (error) {
    say(error.message, true);
  }
}

async function saveDemographics(event) {
  event.preventDefault();
  const form = event.target;
  const value = (name) => form.elements[name].value.trim() || null;
  const age = value("age");
  try {
    const profile = await api("PUT", `/api/profiles/${state.profileId}/demographics`, {
      gender: value("gender"), age: age === null ? null : Number(age),
      occupation: value("occupation"), zip: value("zip"),
    });
    fillDemographics(profile.demographics);
    say("Saved what you told me about yourself.");
    await refreshRecommendations();
  } catch (error) {
    say(error.message, true);
  }
}

// ---------------------------------------------------------- recommendations
async function refreshRecommendations() {
  const container = $("sections");
  container.setAttribute("aria-busy", "true");
  try {
    const { sections } = await api("GET", `/api/profiles/${state.profileId}/recommendations?n=10`);
    container.replaceChildren(...sections.map(renderSection));
  } catch (error) {
    say(error.message, true);
  } finally {
    container.setAttribute("aria-busy", "false");
  }
}

function renderSection(section) {
  const node = $("section-template").content.firstElementChild.cloneNode(true);
  node.dataset.key = section.key;
  node.querySelector("h2").textContent = section.heading;
  const note = node.querySelector(".note");
  note.textContent = section.note ?? "";
  note.hidden = !section.note;
  node.querySelector("ol").append(...section.items.map(renderItem));
  return node;
}

function renderItem(movie) {
  const item = element("li");
  item.dataset.movieId = String(movie.movie_id);
  item.append(element("span", movieLabel(movie), "title"));
  const details = [movie.genres.join(", "), movie.reason].filter(Boolean).join(" · ");
  if (details) item.append(element("span", ` — ${details}`, "meta"));
  item.append(thumb("👍", `I liked ${movieLabel(movie)}`, () => rate(movie, LIKED)));
  item.append(thumb("👎", `Not for me: ${movieLabel(movie)}`, () => rate(movie, DISLIKED)));
  return item;
}

function thumb(symbol, label, onClick) {
  const button = element("button", symbol, "rate");
  button.type = "button";
  button.setAttribute("aria-label", label);
  button.title = label;
  button.addEventListener("click", onClick);
  return button;
}

// ------------------------------------------------------------- autocomplete
function scheduleSearch() {
  clearTimeout(state.searchTimer);
  state.searchTimer = setTimeout(search, SEARCH_DELAY_MS);
}

async function search() {
  const text = $("movie-search").value.trim();
  const seq = ++state.searchSeq;
  if (!text) return closeOptions();
  try {
    const { results } = await api("GET", `/api/movies/search?q=${encodeURIComponent(text.slice(0, 100))}&limit=8`);
    if (seq === state.searchSeq) showOptions(results);  // a later keystroke wins
  } catch (error) {
    say(error.message, true);
  }
}

function showOptions(movies) {
  const input = $("movie-search");
  const list = $("movie-options");
  state.options = movies;
  state.active = -1;
  list.replaceChildren(...movies.map((movie, index) => {
    const option = element("li", undefined);
    option.id = `movie-option-${index}`;
    option.setAttribute("role", "option");
    option.setAttribute("aria-selected", "false");
    option.append(element("span", movieLabel(movie), "title"));
    if (movie.genres.length) option.append(element("span", ` — ${movie.genres.join(", ")}`, "meta"));
    // mousedown, not click: it fires before the input's blur closes the list.
    option.addEventListener("mousedown", (event) => { event.preventDefault(); pick(index); });
    return option;
  }));
  if (!movies.length) list.append(element("li", "No movie matches that.", "hint"));
  list.hidden = false;
  input.setAttribute("aria-expanded", "true");
  input.removeAttribute("aria-activedescendant");
}

function closeOptions() {
  const input = $("movie-search");
  $("movie-options").hidden = true;
  input.setAttribute("aria-expanded", "false");
  input.removeAttribute("aria-activedescendant");
  state.options = [];
  state.active = -1;
}

function highlight(index) {
  const options = $("movie-options").querySelectorAll('[role="option"]');
  if (!options.length) return;
  state.active = (index + options.length) % options.length;
  options.forEach((option, i) => option.setAttribute("aria-selected", String(i === state.active)));
  $("movie-search").setAttribute("aria-activedescendant", options[state.active].id);
  options[state.active].scrollIntoView({ block: "nearest" });
}

function pick(index) {
  const movie = state.options[index];
  if (!movie) return;
  $("movie-search").value = "";
  closeOptions();
  rate(movie, LIKED);
}

function onSearchKey(event) {
  const open = !$("movie-options").hidden;
  if (event.key === "ArrowDown") {
    event.preventDefault();
    if (open) highlight(state.active + 1); else search();
  } else if (event.key === "ArrowUp" && open) {
    event.preventDefault();
    highlight(state.active - 1);
  } else if (event.key === "Enter" && open) {
    event.preventDefault();
    pick(state.active >= 0 ? state.active : 0);
  } else if (event.key === "Escape" && open) {
    event.preventDefault();
    closeOptions();
  }
}

// --------------------------------------------------------------------- start
async function start() {
  const input = $("movie-search");
  input.addEventListener("input", scheduleSearch);
  input.addEventListener("keydown", onSearchKey);
  input.addEventListener("blur", closeOptions);
  $("demographics").addEventListener("submit", saveDemographics);
  try {
    const profile = await loadProfile();
    showProfile(profile);
    fillDemographics(profile.demographics);
    await refreshRecommendations();
  } catch (error) {
    say(`Could not reach cinerec: ${error.message}`, true);
  }
}

document.addEventListener("DOMContentLoaded", start);
