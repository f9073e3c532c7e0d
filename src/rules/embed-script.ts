// The player-embed script served at /embed.js (rule 11). Pages embed an episode with
//   <div class="changelog-episode" data-src="https://changelog.com/podcast/600/embed"
//        data-theme="day"></div>
//   <script async src="https://changelog.com/embed.js"></script>
// and the script replaces each such element with the player's iframe. The players speak the
// player.js protocol (github.com/embedly/player.js) through
// postMessage with the app's origin only: when one starts playing, the others are paused.
// Plain ES5, no dependencies: it runs on any page that includes it.

import { siteHosts } from "../config/hosts.js";

/** The origin the players are served from and the only one whose messages are trusted. */
export const playerOrigin = `https://${siteHosts.app}`;

export const embedScript = `/* changelog.com episode embeds: https://changelog.com/embed.js */
(function (document, window) {
  "use strict";
  var playerOrigin = ${JSON.stringify(playerOrigin)};
  var players = [];

  function send(player, message) {
    message.context = "player.js";
    message.version = "0.0.11";
    message.listener = player.id;
    try {
      player.iframe.contentWindow.postMessage(JSON.stringify(message), playerOrigin);
    } catch (e) {
      // The player is gone or not loaded yet: nothing to tell it.
    }
  }

  function playerFor(source, listener) {
    for (var i = 0; i < players.length; i++) {
      if (players[i].iframe.contentWindow === source || players[i].id === listener) return players[i];
    }
    return null;
  }

  function withQuery(src, theme) {
    return src + (src.indexOf("?") === -1 ? "?" : "&") +
      "theme=" + encodeURIComponent(theme) +
      "&referrer=" + encodeURIComponent(window.location.href);
  }

  function embed(element) {
    var src = element.getAttribute("data-src");
    // Only web addresses: a javascript: or data: URL in an iframe would run in this page.
    if (!src || !/^https?:\\/\\//i.test(src) || !element.parentNode) return;
    var iframe = document.createElement("iframe");
    iframe.setAttribute("src", withQuery(src, element.getAttribute("data-theme") || "night"));
    iframe.setAttribute("width", "100%");
    iframe.setAttribute("height", "220");
    iframe.setAttribute("scrolling", "no");
    iframe.setAttribute("frameborder", "no");
    iframe.setAttribute("allow", "autoplay");
    iframe.setAttribute("title", "Changelog Podcast");
    element.parentNode.replaceChild(iframe, element);
    players.push({ id: "changelog-episode-" + players.length + "-" + new Date().getTime(), iframe: iframe });
  }

  function onMessage(event) {
    if (event.origin !== playerOrigin) return;
    var data;
    try {
      data = typeof event.data === "string" ? JSON.parse(event.data) : event.data;
    } catch (e) {
      return;
    }
    if (!data || data.context !== "player.js") return;
    var from = playerFor(event.source, data.listener);
    if (data.event === "ready" && from) send(from, { method: "addEventListener", value: "play" });
    if (data.event === "play") {
      for (var i = 0; i < players.length; i++) {
        if (players[i] !== from) send(players[i], { method: "pause" });
      }
    }
  }

  function embedAll() {
    // getElementsByClassName is live and shrinks as elements are replaced: copy it first.
    var found = document.getElementsByClassName("changelog-episode");
    var elements = [];
    for (var i = 0; i < found.length; i++) elements.push(found[i]);
    for (var j = 0; j < elements.length; j++) embed(elements[j]);
  }

  window.addEventListener("message", onMessage);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", embedAll);
  else embedAll();
})(document, window);
`;
