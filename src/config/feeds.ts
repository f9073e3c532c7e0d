// Feed paths of changelog.com served from the feeds bucket, and the object each maps to.
// Copied from the spec (shared/spec/feeds.json); adding a feed is one line here.

export const feedObjects: Readonly<Record<string, string>> = {
  "/feed": "/feed.xml",
  "/afk/feed": "/afk.xml",
  "/brainscience/feed": "/brainscience.xml",
  "/founderstalk/feed": "/founderstalk.xml",
  "/friends/feed": "/friends.xml",
  "/gotime/feed": "/gotime.xml",
  "/interviews/feed": "/interviews.xml",
  "/jsparty/feed": "/jsparty.xml",
  "/master/feed": "/master.xml",
  "/news/feed": "/news.xml",
  "/podcast/feed": "/podcast.xml",
  "/posts/feed": "/posts.xml",
  "/plusplus/xae9heiphohtupha1Ahha3aexoo0oo4W/feed": "/plusplus.xml",
  "/rfc/feed": "/rfc.xml",
  "/shipit/feed": "/shipit.xml",
  "/spotlight/feed": "/spotlight.xml",
};

/** `/feeds/<name>` is served as `/<name>.xml`. */
export const feedsPrefix = "/feeds/";
