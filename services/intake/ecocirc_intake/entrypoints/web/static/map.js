// Eco'circulaire: the advisors' map (« Carte »), drawn with the vendored Leaflet from the GeoJSON the
// page holds (the same as GET /v1/territories/{territory}/map.geojson).
// - the departments' outline (static/geo) under everything, so the map reads without any tile server;
//   tiles on top of it only when the page names a tile address (ECOCIRC_MAP_TILES_URL),
// - companies as circles; a substitution as a line from supplier to receiver; a mutualisation group
//   as a badge with its member count joined to each member by dashed lines; coloured by step (map.css),
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
  const map = L.map(element, { zoomControl: false, minZoom: 4, maxZoom: 17 });
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

  const drawn = L.featureGroup().addTo(map);
  const leads = [];
  let companies = 0;
  for (const feature of data.features) {
    if (feature.properties.feature === "company") {
      companyLayer(feature, element.dataset.companyPage).addTo(drawn);
      companies += 1;
    } else if (feature.properties.feature === "lead") {
      const lead = leadLayer(feature, steps, kinds);
      if (lead) {
        leads.push(lead);
      }
    }
  }

  function fit(extra) {
    const bounds = L.latLngBounds([]);
    for (const lead of leads) {
      bounds.extend(lead.bounds);
    }
    if (drawn.getLayers().length) {
      bounds.extend(drawn.getBounds());
    }
    if (extra && extra.isValid()) {
      bounds.extend(extra);
    }
    if (bounds.isValid()) {
      map.fitBounds(bounds, { padding: [24, 24], maxZoom: 12, animate: false });
    }
  }
  fit();
  drawOutline(map, element, territory).then(fit);

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
      const s = (n) => (n === 1 ? "" : "s");
      status.textContent =
        `${shown} piste${s(shown)} sur ${leads.length} affichée${s(shown)}, ` +
        `${companies} entreprise${s(companies)}.`;
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

function companyLayer(feature, companyPage) {
  const p = feature.properties;
  const marker = L.circleMarker(latLng(feature.geometry.coordinates), {
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

function leadLayer(feature, steps, kinds) {
  const p = feature.properties;
  const geometry = feature.geometry;
  const step = `statut-${p.status}`;
  const parts = [];
  let anchor;
  if (geometry.type === "LineString") {
    const line = geometry.coordinates.map(latLng);
    parts.push(L.polyline(line, { className: `piste piste-substitution ${step}`, weight: 4 }));
    anchor = L.latLngBounds(line).getCenter();
  } else if (geometry.type === "MultiPoint" && geometry.coordinates.length > 1) {
    const members = geometry.coordinates.map(latLng);
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
    anchor = latLng(geometry.coordinates[0]);
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
