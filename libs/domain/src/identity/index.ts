export * from './disjoint-set';
export * from './identifier-priority';
export * from './identity-graph';
export * from './link-fact';
export * from './profile-id';
export * from './suppression';
