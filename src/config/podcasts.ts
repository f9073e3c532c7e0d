// Podcasts whose mp3 downloads under /uploads/<slug>/ are logged, one S3 bucket each.
// Copied from the spec (shared/spec/podcasts.json).

export interface Podcast {
  /** Path segment after /uploads/. */
  readonly slug: string;
  readonly name: string;
  /** Suffix of the S3 bucket changelog-logs-<bucket> that the stats importer reads. */
  readonly bucket: string;
}

export const podcasts: readonly Podcast[] = [
  { slug: "podcast", name: "The Changelog", bucket: "podcast" },
  { slug: "gotime", name: "Go Time", bucket: "gotime" },
  { slug: "rfc", name: "RFC", bucket: "rfc" },
  { slug: "founderstalk", name: "Founders Talk", bucket: "founderstalk" },
  { slug: "spotlight", name: "Spotlight", bucket: "spotlight" },
  { slug: "jsparty", name: "JS Party", bucket: "jsparty" },
  { slug: "practicalai", name: "Practical AI", bucket: "practicalai" },
  { slug: "reactpodcast", name: "The React Podcast", bucket: "reactpodcast" },
  { slug: "afk", name: "AFK", bucket: "afk" },
  { slug: "backstage", name: "Backstage", bucket: "backstage" },
  { slug: "brainscience", name: "Brain Science", bucket: "brainscience" },
  { slug: "shipit", name: "Ship It", bucket: "shipit" },
  { slug: "news", name: "Changelog News", bucket: "news" },
  { slug: "friends", name: "Changelog & Friends", bucket: "friends" },
];
