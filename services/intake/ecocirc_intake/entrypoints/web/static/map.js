// Eco'circulaire: the advisors' map (« Carte »), drawn with the vendored Leaflet from the GeoJSON the
// page holds (the same as GET /v1/territories/{territory}/map.geojson).
// - the departments' outline (static/geo) under everything, so the map reads without any tile server;
//   tiles on top of it only when the page names a tile address (ECOCIRC_MAP_TILES_URL),
// - companies as circles; a substitution as a line from supplier to receiver; a mutualisation group
//   as a badge with its member count joined to each member by dashed lines; coloured by step (map.css),
// - companies placed at the same spot (a site known to its commune is at the commune's centre) are
//   spread on a small ring around it, and the leads drawn to where their companies are shown,
// - popups built from DOM nodes (names are what companies typed: never parsed as HTML),
// - the filters' checkboxes (step, kind) apply at once to the map and to the list under it,
// - « Voir sur la carte » in the list opens a lead's popup and moves the focus into it.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const element = document.getElementById("carte");
  const source = document.getElementById("carte-donnees");
  if (!element || !source || typeof L === "undefined") {
    return;
  }
  drawMap(element, JSON.parse(source.textContent));
});

// Metropolitan France, until the outline or the points say better.
const FRANCE = [[41.3, -5.2], [51.1, 9.6]];
const NUMBER = new Intl.NumberFormat("fr-FR", { maximumFractionDigits: 1 });

function node(tag, className, text) {
  const made = document.createElement(tag);
  if (className) {
    made.className = className;
  }
  if (text !== undefined) {
    made.textContent = text;
  }
  return made;
}

function safeLink(address) {
  // Addresses come from the server; still, only web addresses become links.
  return /^(https?:\/\/|\/)/.test(address || "") ? address : null;
}

function latLng(position) {
  return L.latLng(position[1], position[0]); // GeoJSON is [longitude, latitude]
}

function labelsOf(form, name) {
  const labels = {};
  for (const input of form.querySelectorAll(`input[name="${name}"]`)) {
    labels[input.value] = input.dataset.label;
  }
  return labels;
}

function partyName(participant) {
  return participant.name || participant.description || "Une entreprise";
}

function partiesText(p) {
  if (p.kind === "substitution") {
    const of = (role) => p.participants.filter((x) => x.role === role).map(partyName).join(", ");
    return `${of("supplier")} → ${of("receiver")}`;
  }
  return `${p.members} entreprises : ${p.participants.map(partyName).join(", ")}`;
}

function drawMap(element, data) {
  const form = document.getElementById("filtres");
  const steps = labelsOf(form, "statut");
  const kinds = labelsOf(form, "nature");
  const status = document.getElementById("carte-etat");
  const territory = element.dataset.territory;

  element.replaceChildren();
  // Quarter zoom steps: a territory fills the map instead of the next whole level down.
  const map = L.map(element, { zoomControl: false, minZoom: 4, maxZoom: 17, zoomSnap: 0.25 });
  L.control.zoom({ zoomInTitle: "Zoom avant", zoomOutTitle: "Zoom arrière" }).addTo(map);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Leaflet");
  // Panes: the outline under the leads' lines, the companies over them, the groups' badges on top.
  map.createPane("contours").style.zIndex = 350;
  map.createPane("entreprises").style.zIndex = 450;
  map.fitBounds(FRANCE);

  if (element.dataset.tilesUrl) {
    L.tileLayer(element.dataset.tilesUrl, {
      attribution: element.dataset.tilesAttribution || "",
      maxZoom: 19,
    }).addTo(map);
  }

  // What there is to see, the companies and the leads, fills the map; without any, the department.
  const fit = (bounds) => {
    if (bounds && bounds.isValid()) {
      map.fitBounds(bounds, { padding: [28, 28], maxZoom: 12, animate: false });
    }
  };
  const content = L.latLngBounds([]);
  for (const feature of data.features) {
    const positions = feature.geometry.type === "Point" ? [feature.geometry.coordinates] :
      feature.geometry.type === "LineString" || feature.geometry.type === "MultiPoint" ? feature.geometry.coordinates : [];
    for (const position of positions) {
      content.extend(latLng(position));
    }
  }
  // A single spot says nothing of where it is: the department will frame it.
  const spot = !content.isValid() || content.getNorthEast().equals(content.getSouthWest());
  if (content.isValid()) {
    map.fitBounds(content, { padding: [28, 28], maxZoom: spot ? 9 : 12, animate: false });
  }

  const drawn = L.featureGroup().addTo(map);
  const leads = [];
  const sites = spreadSites(data.features, metresPerPixel(map));
  let companies = 0;
  for (const feature of data.features) {
    if (feature.properties.feature === "company") {
      companyLayer(feature, sites.shown.get(feature.properties.id), element.dataset.companyPage).addTo(drawn);
      companies += 1;
    } else if (feature.properties.feature === "lead") {
      const lead = leadLayer(feature, sites, steps, kinds);
      if (lead) {
        leads.push(lead);
      }
    }
  }

  drawOutline(map, element, territory).then((department) => {
    if (spot && department) {
      fit(content.isValid() ? department.extend(content) : department);
    }
  });

  const apply = () => {
    const chosenSteps = new Set([...form.querySelectorAll('input[name="statut"]:checked')].map((i) => i.value));
    const chosenKinds = new Set([...form.querySelectorAll('input[name="nature"]:checked')].map((i) => i.value));
    let shown = 0;
    for (const lead of leads) {
      const visible = chosenSteps.has(lead.properties.status) && chosenKinds.has(lead.properties.kind);
      if (visible && !map.hasLayer(lead.layer)) {
        lead.layer.addTo(map);
      } else if (!visible && map.hasLayer(lead.layer)) {
        map.removeLayer(lead.layer);
      }
      const row = document.querySelector(`tr[data-lead="${CSS.escape(lead.properties.id)}"]`);
      if (row) {
        row.hidden = !visible;
      }
      shown += visible ? 1 : 0;
    }
    if (status) {
      const s = (n) => (n > 1 ? "s" : ""); // French: « 0 piste », « 1 piste », « 2 pistes »
      const shownText = leads.length
        ? `${shown} piste${s(shown)} sur ${leads.length} affichée${s(shown)}`
        : "Aucune piste";
      status.textContent = `${shownText}, ${companies} entreprise${s(companies)}.`;
    }
  };
  apply();

  // The checkboxes act at once; the address keeps them, for a reload or a link to this view.
  for (const button of form.querySelectorAll("[data-without-script]")) {
    button.hidden = true;
  }
  form.addEventListener("change", () => {
    apply();
    const query = new URLSearchParams(new FormData(form));
    history.replaceState(null, "", `${location.pathname}?${query}`);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    apply();
  });

  listButtons(map, element, leads);
  frenchPopups(map);
}

function drawOutline(map, element, territory) {
  return fetch(element.dataset.outline, { headers: { Accept: "application/geo+json, application/json" } })
    .then((response) => (response.ok ? response.json() : null))
    .then((outline) => {
      if (!outline) {
        return null;
      }
      const followed = L.featureGroup();
      const layer = L.geoJSON(outline, {
        pane: "contours",
        interactive: false,
        attribution: element.dataset.outlineCredit,
        style: (feature) => ({
          className: feature.properties.code === territory ? "departement departement-suivi" : "departement",
        }),
        onEachFeature: (feature, drawnLayer) => {
          if (feature.properties.code === territory) {
            followed.addLayer(drawnLayer);
          }
        },
      }).addTo(map);
      layer.bringToBack();
      return followed.getLayers().length ? followed.getBounds() : null;
    })
    .catch(() => null); // without the outline, the points still show
}

function metresPerPixel(map) {
  const latitude = map.getCenter().lat;
  return (40075016.686 * Math.cos((latitude * Math.PI) / 180)) / 2 ** (map.getZoom() + 8);
}

function spreadSites(features, metresPerPixel) {
  // Companies at one spot, in the order of their names, on a ring whose size grows with their
  // number: apart by about their own size at the zoom the map opens with, further when zoomed in.
  const bySpot = new Map();
  for (const feature of features) {
    if (feature.properties.feature === "company") {
      const spot = feature.geometry.coordinates.join(",");
      bySpot.set(spot, [...(bySpot.get(spot) || []), feature]);
    }
  }
  const spotOf = new Map();
  const shown = new Map();
  for (const [spot, together] of bySpot) {
    const [lon, lat] = together[0].geometry.coordinates;
    together.sort((a, b) => a.properties.name.localeCompare(b.properties.name, "fr"));
    const pixels = together.length > 1 ? Math.min(4 * together.length + 4, 32) : 0;
    const metres = pixels * metresPerPixel;
    together.forEach((feature, index) => {
      const angle = (2 * Math.PI * index) / together.length;
      const north = (metres * Math.cos(angle)) / 111320;
      const east = (metres * Math.sin(angle)) / (111320 * Math.cos((lat * Math.PI) / 180));
      spotOf.set(feature.properties.id, spot);
      shown.set(feature.properties.id, L.latLng(lat + north, lon + east));
    });
  }
  return { spotOf, shown };
}

function placeLead(geometry, p, sites) {
  // Each position of the lead where one of its companies is, at the place that company is shown;
  // a position of a company not on this map (another territory's, placed coarsely) as it is.
  const used = new Set();
  const place = (position, roles) => {
    const spot = position.join(",");
    const party = p.participants.find(
      (x) => x.company_id && !used.has(x.company_id) && (!roles || roles.includes(x.role)) &&
        sites.spotOf.get(x.company_id) === spot,
    );
    if (!party) {
      return latLng(position);
    }
    used.add(party.company_id);
    return sites.shown.get(party.company_id);
  };
  if (geometry.type === "LineString") {
    return [place(geometry.coordinates[0], ["supplier"]), place(geometry.coordinates[1], ["receiver"])];
  }
  return geometry.coordinates.map((position) => place(position, null));
}

function companyLayer(feature, shown, companyPage) {
  const p = feature.properties;
  const marker = L.circleMarker(shown || latLng(feature.geometry.coordinates), {
    pane: "entreprises",
    radius: 7,
    className: "entreprise",
  });
  marker.bindPopup(() => {
    const content = node("div", "popup-entreprise");
    content.append(node("h3", "", p.name));
    if (p.naf_label || p.naf_code) {
      content.append(node("p", "", p.naf_label || p.naf_code));
    }
    const place = [p.postcode, p.commune].filter(Boolean).join(" ");
    if (place) {
      content.append(node("p", "", place));
    }
    const plural = (n, word) => `${n} ${word}${n > 1 ? "s" : ""}`;
    content.append(node("p", "", `${plural(p.offers, "offre")}, ${plural(p.needs, "besoin")}`));
    const page = companyPage ? safeLink(companyPage.replace("{id}", encodeURIComponent(p.id))) : null;
    if (page) {
      const link = node("a", "", "Voir l'entreprise");
      link.href = page;
      content.append(link);
    }
    return content;
  });
  return marker;
}

function leadPopup(p, steps, kinds) {
  const content = node("div", "popup-piste");
  content.append(node("h3", "", p.resource));
  content.append(node("p", "muted", kinds[p.kind] || p.kind));
  content.append(node("p", "", partiesText(p)));
  const step = node("p", "", "Étape : ");
  step.append(node("span", `swatch statut-${p.status}`), steps[p.status] || p.status);
  content.append(step);
  content.append(node("p", "", `Fiabilité : ${Math.round(p.score * 100)} %`));
  if (p.tonnes_realised !== null && p.tonnes_realised !== undefined) {
    content.append(node("p", "", `Réalisé : ${NUMBER.format(p.tonnes_realised)} t par an`));
  } else if (p.tonnes_estimated !== null && p.tonnes_estimated !== undefined) {
    content.append(node("p", "", `Estimé : ${NUMBER.format(p.tonnes_estimated)} t par an`));
  }
  const address = safeLink(p.link);
  if (address) {
    const link = node("a", "button", "Ouvrir la piste");
    link.href = address;
    content.append(link);
  }
  return content;
}

function leadLayer(feature, sites, steps, kinds) {
  const p = feature.properties;
  const geometry = feature.geometry;
  const step = `statut-${p.status}`;
  const parts = [];
  let anchor;
  if (geometry.type === "LineString") {
    const line = placeLead(geometry, p, sites);
    parts.push(L.polyline(line, { className: `piste piste-substitution ${step}`, weight: 4 }));
    anchor = L.latLngBounds(line).getCenter();
  } else if (geometry.type === "MultiPoint" && geometry.coordinates.length > 1) {
    const members = placeLead(geometry, p, sites);
    anchor = L.latLngBounds(members).getCenter();
    for (const member of members) {
      parts.push(L.polyline([anchor, member], { className: `piste piste-groupe ${step}`, weight: 3 }));
    }
    const badge = node("span", "", String(Number(p.members)));
    const marker = L.marker(anchor, {
      icon: L.divIcon({ className: `groupe-badge ${step}`, html: badge, iconSize: [30, 30] }),
      title: `${kinds[p.kind] || p.kind} : ${p.resource}`,
      keyboard: true,
    });
    parts.push(marker);
  } else if (geometry.type === "MultiPoint" && geometry.coordinates.length === 1) {
    anchor = placeLead(geometry, p, sites)[0];
    parts.push(L.circleMarker(anchor, { className: `piste piste-seule ${step}`, radius: 12 }));
  } else {
    return null;
  }
  const layer = L.featureGroup(parts);
  layer.bindPopup(() => leadPopup(p, steps, kinds));
  const bounds = L.latLngBounds(parts.flatMap((part) => (part.getLatLngs ? part.getLatLngs() : [part.getLatLng()])));
  return { properties: p, layer, anchor, bounds };
}

function listButtons(map, element, leads) {
  let opener = null;
  for (const lead of leads) {
    const row = document.querySelector(`tr[data-lead="${CSS.escape(lead.properties.id)}"]`);
    const cell = row && row.querySelector("td.on-map");
    if (!cell) {
      continue;
    }
    const button = node("button", "button button-secondary", "Voir sur la carte");
    button.type = "button";
    button.append(node("span", "visually-hidden", ` : ${lead.properties.resource}`));
    button.addEventListener("click", () => {
      element.scrollIntoView({ block: "nearest" });
      map.fitBounds(lead.bounds, { padding: [48, 48], maxZoom: 12, animate: false });
      lead.layer.openPopup(lead.anchor);
      opener = button;
      const link = map.getPane("popupPane").querySelector(".leaflet-popup a");
      if (link) {
        link.focus({ preventScroll: true });
      }
    });
    cell.append(button);
  }
  // Escape closes the open popup wherever the focus is in the map (Leaflet's own handler listens
  // only while the map's container itself has the focus). A popup the list opened, closed from
  // within (Escape, its close button), gives the focus back to the list's button; closed by a click
  // elsewhere on the map, the focus stays there.
  let open = null;
  let escaped = false;
  map.on("popupopen", (event) => {
    open = event.popup;
  });
  element.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && open) {
      event.preventDefault();
      escaped = true;
      map.closePopup(open);
    }
  });
  map.on("popupclose", (event) => {
    open = null;
    const inside = event.popup.getElement().contains(document.activeElement);
    if (opener && (escaped || inside)) {
      opener.focus();
    }
    opener = null;
    escaped = false;
  });
}

function frenchPopups(map) {
  map.on("popupopen", (event) => {
    const close = event.popup.getElement().querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", "Fermer");
      close.title = "Fermer";
    }
  });
}
