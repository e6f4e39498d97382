// cinerec's page: a stored profile (its id kept in localStorage), an autocomplete to add
// liked movies, a demographics form, and the four recommendation sections with thumbs.
// Every string from the data goes in with textContent, never innerHTML: a title may
// contain "<script>".
"use strict";

const PROFILE_KEY = "cinerec.profile";
const SEARCH_DELAY_MS = 120;
const LIKED = 5;
const DISLIKED = 1;
const SVG_NS = "http://www.w3.org/2000/svg";
// A thumb and its cuff, pointing up (24 × 24); flipped upside down for "not for me".
const THUMB_PATH = "M3 11h4v10H3zM7 11l4-8c1.5 0 2.5 1.2 2.2 2.7L12.5 9H19a2 2 0 0 1 2 2.3l-1.3 7.4A2 2 0 0 1 17.7 21H7";

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

// A thumb icon, up or down; decoration only (the button or text beside it says what it means).
function thumbIcon(up) {
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", "0 0 24 24");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  svg.classList.add("icon");
  const path = document.createElementNS(SVG_NS, "path");
  path.setAttribute("d", THUMB_PATH);
  if (!up) path.setAttribute("transform", "matrix(1 0 0 -1 0 24)");
  svg.append(path);
  return svg;
}

// Text only screen readers announce.
function spoken(text) {
  return element("span", text, "visually-hidden");
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
    if (rating >= 4) item.append(thumbIcon(true), spoken("Liked: "));
    if (rating <= 2) item.append(thumbIcon(false), spoken("Not for me: "));
    item.append(element("span", movieLabel(movie)));
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

// How what the person said was understood (an occupation MovieLens does not know counts as other).
function showNotes(notes) {
  const note = $("occupation-note");
  note.textContent = notes.join(" ");
  note.hidden = !notes.length;
}

async function offerOccupations() {
  const { occupations } = await api("GET", "/api/occupations");
  $("occupation-options").replaceChildren(...occupations.map((name) => {
    const option = element("option");
    option.value = name;
    return option;
  }));
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
    showNotes(profile.notes);
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
  $("updating").hidden = false;
  try {
    const { sections } = await api("GET", `/api/profiles/${state.profileId}/recommendations?n=10`);
    container.replaceChildren(...sections.map(renderSection));
  } catch (error) {
    say(error.message, true);
  } finally {
    container.setAttribute("aria-busy", "false");
    $("updating").hidden = true;
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
  const row = element("div", undefined, "movie");
  const about = element("div", undefined, "about");
  about.append(element("span", movieLabel(movie), "title"));
  const details = [movie.genres.join(", "), movie.reason].filter(Boolean).join(" · ");
  if (details) about.append(element("span", ` — ${details}`, "meta"));
  const links = movieLinks(movie);
  if (links) about.append(links);
  row.append(about);
  row.append(thumb(true, `I liked ${movieLabel(movie)}`, () => rate(movie, LIKED)));
  row.append(thumb(false, `Not for me: ${movieLabel(movie)}`, () => rate(movie, DISLIKED)));
  item.append(row);
  return item;
}

// Where to read more about a movie (MovieLens, IMDb, TMDB), when its release says; only
// https addresses, opened in a new tab that learns nothing of this page.
function movieLinks(movie) {
  const links = Object.entries(movie.links ?? {}).filter(([, url]) => /^https:\/\//.test(url));
  if (!links.length) return null;
  const list = element("span", undefined, "links");
  for (const [site, url] of links) {
    const anchor = element("a", site);
    anchor.href = url;
    anchor.target = "_blank";
    anchor.rel = "noopener noreferrer";
    anchor.setAttribute("aria-label", `${movieLabel(movie)} on ${site}`);
    list.append(anchor);
  }
  return list;
}

function thumb(up, label, onClick) {
  const button = element("button", undefined, "rate");
  button.type = "button";
  button.append(thumbIcon(up));
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
  offerOccupations().catch(() => {});  // the field works without suggestions
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
