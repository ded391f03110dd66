/**
 * The fixed vocabulary of the demo-data generator: real cities and neighbourhood centres (so the
 * map looks right), invented agencies, invented-but-plausible street names and first names.
 * Prices per m² are rough 2025 orders of magnitude, good enough for a demo, not market data.
 */
export type CountryCode = 'NL' | 'DE' | 'FR' | 'ES' | 'PT' | 'IT' | 'AT';

export interface Neighbourhood {
  name: string;
  latitude: number;
  longitude: number;
  /** The postal districts of the neighbourhood: first digits of the code, completed by the generator. */
  postalPrefixes: readonly string[];
  /** Multiplies the city's price per m² (prime areas > 1). */
  priceFactor: number;
}

export interface City {
  name: string;
  country: CountryCode;
  /** Share of all generated listings, relative to the other cities. */
  weight: number;
  salePricePerM2: number;
  monthlyRentPerM2: number;
  neighbourhoods: readonly Neighbourhood[];
}

const n = (name: string, latitude: number, longitude: number, postalPrefixes: string[], priceFactor: number): Neighbourhood => ({
  name,
  latitude,
  longitude,
  postalPrefixes,
  priceFactor,
});

export const cities: readonly City[] = [
  {
    name: 'Amsterdam', country: 'NL', weight: 12, salePricePerM2: 7600, monthlyRentPerM2: 27,
    neighbourhoods: [
      n('Jordaan', 52.374, 4.882, ['1015', '1016'], 1.25), n('De Pijp', 52.353, 4.894, ['1072', '1073'], 1.1),
      n('Oud-Zuid', 52.35, 4.87, ['1071', '1075'], 1.3), n('Oost', 52.36, 4.925, ['1091', '1093'], 0.95),
      n('Noord', 52.39, 4.92, ['1021', '1031'], 0.8), n('Westerpark', 52.385, 4.87, ['1051', '1052'], 0.95),
    ],
  },
  {
    name: 'Rotterdam', country: 'NL', weight: 7, salePricePerM2: 4300, monthlyRentPerM2: 19,
    neighbourhoods: [
      n('Centrum', 51.92, 4.48, ['3011', '3012'], 1.1), n('Kralingen', 51.925, 4.51, ['3061', '3062'], 1.1),
      n('Kop van Zuid', 51.905, 4.49, ['3072'], 1.05), n('Delfshaven', 51.91, 4.445, ['3024', '3025'], 0.85),
      n('Hillegersberg', 51.95, 4.49, ['3054', '3055'], 1.2),
    ],
  },
  {
    name: 'Utrecht', country: 'NL', weight: 6, salePricePerM2: 5300, monthlyRentPerM2: 22,
    neighbourhoods: [
      n('Binnenstad', 52.0907, 5.1214, ['3511', '3512'], 1.2), n('Wittevrouwen', 52.096, 5.133, ['3572'], 1.1),
      n('Lombok', 52.092, 5.097, ['3531'], 0.95), n('Leidsche Rijn', 52.1, 5.04, ['3541', '3543'], 0.9),
      n('Oost', 52.085, 5.145, ['3581', '3583'], 1.05),
    ],
  },
  {
    name: 'Berlin', country: 'DE', weight: 12, salePricePerM2: 5600, monthlyRentPerM2: 17,
    neighbourhoods: [
      n('Mitte', 52.52, 13.405, ['101'], 1.25), n('Prenzlauer Berg', 52.539, 13.424, ['104'], 1.15),
      n('Kreuzberg', 52.499, 13.403, ['109'], 1.05), n('Friedrichshain', 52.515, 13.454, ['102'], 1.0),
      n('Charlottenburg', 52.516, 13.304, ['106'], 1.15), n('Neukölln', 52.481, 13.435, ['120'], 0.85),
    ],
  },
  {
    name: 'Hamburg', country: 'DE', weight: 8, salePricePerM2: 6000, monthlyRentPerM2: 16,
    neighbourhoods: [
      n('Altona', 53.55, 9.935, ['227'], 1.05), n('Eimsbüttel', 53.575, 9.953, ['201'], 1.05),
      n('Winterhude', 53.585, 10.0, ['223'], 1.15), n('HafenCity', 53.541, 9.997, ['204'], 1.3),
      n('Eppendorf', 53.59, 9.985, ['202'], 1.2),
    ],
  },
  {
    name: 'Paris', country: 'FR', weight: 12, salePricePerM2: 10200, monthlyRentPerM2: 31,
    neighbourhoods: [
      n('Le Marais', 48.859, 2.362, ['75003', '75004'], 1.2), n('Montmartre', 48.8867, 2.3431, ['75018'], 0.95),
      n('Saint-Germain', 48.853, 2.333, ['75006'], 1.35), n('Bastille', 48.853, 2.369, ['75011'], 1.0),
      n('Batignolles', 48.885, 2.317, ['75017'], 1.0), n('Belleville', 48.872, 2.385, ['75020'], 0.85),
    ],
  },
  {
    name: 'Lyon', country: 'FR', weight: 5, salePricePerM2: 5000, monthlyRentPerM2: 15,
    neighbourhoods: [
      n("Presqu'île", 45.764, 4.834, ['69002'], 1.2), n('Croix-Rousse', 45.775, 4.831, ['69004'], 1.05),
      n('Part-Dieu', 45.76, 4.859, ['69003'], 0.95), n('Confluence', 45.741, 4.818, ['69002'], 1.1),
      n('Vieux Lyon', 45.762, 4.827, ['69005'], 1.1),
    ],
  },
  {
    name: 'Madrid', country: 'ES', weight: 9, salePricePerM2: 4900, monthlyRentPerM2: 20,
    neighbourhoods: [
      n('Salamanca', 40.43, -3.68, ['28001', '28006'], 1.35), n('Chamberí', 40.435, -3.703, ['28010'], 1.2),
      n('Malasaña', 40.426, -3.704, ['28004'], 1.05), n('Retiro', 40.411, -3.676, ['28009'], 1.15),
      n('Lavapiés', 40.409, -3.701, ['28012'], 0.85),
    ],
  },
  {
    name: 'Barcelona', country: 'ES', weight: 8, salePricePerM2: 5000, monthlyRentPerM2: 22,
    neighbourhoods: [
      n('Eixample', 41.391, 2.162, ['08009', '08011'], 1.15), n('Gràcia', 41.403, 2.156, ['08012'], 1.05),
      n('El Born', 41.385, 2.182, ['08003'], 1.1), n('Poblenou', 41.403, 2.2, ['08005'], 1.0),
      n('Sant Gervasi', 41.402, 2.136, ['08021', '08022'], 1.25),
    ],
  },
  {
    name: 'Lisbon', country: 'PT', weight: 6, salePricePerM2: 5300, monthlyRentPerM2: 20,
    neighbourhoods: [
      n('Alfama', 38.711, -9.13, ['1100'], 1.0), n('Chiado', 38.71, -9.142, ['1200'], 1.3),
      n('Príncipe Real', 38.717, -9.149, ['1250'], 1.25), n('Avenidas Novas', 38.737, -9.147, ['1050'], 1.0),
      n('Parque das Nações', 38.768, -9.094, ['1990'], 1.1),
    ],
  },
  {
    name: 'Milan', country: 'IT', weight: 8, salePricePerM2: 5400, monthlyRentPerM2: 22,
    neighbourhoods: [
      n('Brera', 45.472, 9.187, ['20121'], 1.4), n('Navigli', 45.451, 9.176, ['20143'], 1.05),
      n('Isola', 45.487, 9.19, ['20159'], 1.1), n('Porta Romana', 45.451, 9.203, ['20135'], 1.05),
      n('Città Studi', 45.478, 9.227, ['20133'], 0.9),
    ],
  },
  {
    name: 'Vienna', country: 'AT', weight: 7, salePricePerM2: 5700, monthlyRentPerM2: 16,
    neighbourhoods: [
      n('Innere Stadt', 48.2085, 16.373, ['1010'], 1.5), n('Leopoldstadt', 48.216, 16.396, ['1020'], 0.95),
      n('Neubau', 48.202, 16.348, ['1070'], 1.05), n('Josefstadt', 48.21, 16.347, ['1080'], 1.1),
      n('Wieden', 48.192, 16.37, ['1040'], 1.05), n('Döbling', 48.248, 16.338, ['1190'], 1.2),
    ],
  },
];

export interface AgencyTemplate {
  name: string;
  /** Becomes the organization slug and the e-mail subdomain under example.com. */
  slug: string;
  country: CountryCode;
  cities: readonly string[];
}

/** Invented agencies; any likeness to a real firm is accidental. The first is the demo log-in's. */
export const agencies: readonly AgencyTemplate[] = [
  { name: 'Harbour Homes', slug: 'harbour-homes', country: 'NL', cities: ['Amsterdam', 'Rotterdam'] },
  { name: 'Gable & Gracht Makelaars', slug: 'gable-gracht', country: 'NL', cities: ['Amsterdam', 'Utrecht'] },
  { name: 'Domstad Wonen', slug: 'domstad-wonen', country: 'NL', cities: ['Utrecht', 'Rotterdam'] },
  { name: 'Spreeufer Immobilien', slug: 'spreeufer', country: 'DE', cities: ['Berlin'] },
  { name: 'Alster & Elbe Estates', slug: 'alster-elbe', country: 'DE', cities: ['Hamburg', 'Berlin'] },
  { name: 'Maison Lumière Immobilier', slug: 'maison-lumiere', country: 'FR', cities: ['Paris'] },
  { name: 'Traboule Immobilier', slug: 'traboule', country: 'FR', cities: ['Lyon', 'Paris'] },
  { name: 'Casa Serena Inmobiliaria', slug: 'casa-serena', country: 'ES', cities: ['Madrid'] },
  { name: 'Mar i Ciutat Finques', slug: 'mar-i-ciutat', country: 'ES', cities: ['Barcelona', 'Madrid'] },
  { name: 'Tejo Living', slug: 'tejo-living', country: 'PT', cities: ['Lisbon'] },
  { name: 'Naviglio Case', slug: 'naviglio-case', country: 'IT', cities: ['Milan'] },
  { name: 'Ringstraße Residenzen', slug: 'ringstrasse', country: 'AT', cities: ['Vienna'] },
];

export const firstNames: Record<CountryCode, readonly string[]> = {
  NL: ['Lena', 'Daan', 'Sanne', 'Joris', 'Fleur', 'Bram', 'Noor', 'Thijs', 'Femke', 'Ruben'],
  DE: ['Jonas', 'Mia', 'Lukas', 'Hanna', 'Felix', 'Clara', 'Moritz', 'Greta', 'Paul', 'Ida'],
  FR: ['Camille', 'Louis', 'Chloé', 'Hugo', 'Léa', 'Arthur', 'Manon', 'Jules', 'Inès', 'Théo'],
  ES: ['Lucía', 'Pablo', 'Carmen', 'Diego', 'Elena', 'Javier', 'Marta', 'Álvaro', 'Nuria', 'Sergio'],
  PT: ['Beatriz', 'João', 'Inês', 'Tiago', 'Mariana', 'Rui', 'Catarina', 'Miguel', 'Sofia', 'Duarte'],
  IT: ['Giulia', 'Marco', 'Chiara', 'Luca', 'Francesca', 'Matteo', 'Sara', 'Davide', 'Elisa', 'Paolo'],
  AT: ['Anna', 'Florian', 'Katharina', 'Tobias', 'Theresa', 'Maximilian', 'Lisa', 'Stefan', 'Valerie', 'Jakob'],
};

export const lastNames: Record<CountryCode, readonly string[]> = {
  NL: ['de Vries', 'Jansen', 'Bakker', 'Visser', 'Smit', 'Meijer', 'de Boer', 'Mulder'],
  DE: ['Müller', 'Schmidt', 'Weber', 'Wagner', 'Becker', 'Hoffmann', 'Schulz', 'Koch'],
  FR: ['Martin', 'Bernard', 'Dubois', 'Moreau', 'Laurent', 'Girard', 'Roux', 'Fournier'],
  ES: ['García', 'Fernández', 'López', 'Martínez', 'Sánchez', 'Romero', 'Navarro', 'Torres'],
  PT: ['Silva', 'Santos', 'Ferreira', 'Pereira', 'Costa', 'Oliveira', 'Rodrigues', 'Almeida'],
  IT: ['Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci'],
  AT: ['Gruber', 'Huber', 'Bauer', 'Wagner', 'Pichler', 'Steiner', 'Moser', 'Mayer'],
};

/**
 * Street names are composed from a root and a form, so they read naturally in each language
 * while (mostly) not naming a real street.
 */
export const streetParts: Record<CountryCode, { roots: readonly string[]; forms: readonly string[] }> = {
  NL: {
    roots: ['Linden', 'Meeuwen', 'Kastanje', 'Vlier', 'Zilverreiger', 'Korenbloem', 'Molenwiek', 'Hazelaar', 'Wilgenroos', 'Schelpen'],
    forms: ['straat', 'gracht', 'kade', 'laan', 'plein', 'hof'],
  },
  DE: {
    roots: ['Linden', 'Birken', 'Ahorn', 'Kastanien', 'Mühlen', 'Falken', 'Holunder', 'Sonnenblumen', 'Weiden', 'Lerchen'],
    forms: ['straße', 'weg', 'allee', 'ring', 'ufer', 'platz'],
  },
  AT: {
    roots: ['Linden', 'Mohn', 'Kastanien', 'Rosen', 'Marillen', 'Flieder', 'Zeisig', 'Tannen', 'Lavendel', 'Föhren'],
    forms: ['gasse', 'straße', 'weg', 'platz', 'zeile', 'hof'],
  },
  FR: {
    roots: ['des Tilleuls', 'du Moulin Vert', 'des Lilas Blancs', 'de la Fontaine Douce', 'des Cerisiers', 'du Verger', 'des Artisans', "de l'Horloge", 'des Glycines', 'du Pressoir'],
    forms: ['Rue', 'Avenue', 'Passage', 'Allée', 'Quai', 'Impasse'],
  },
  ES: {
    roots: ['de los Olivos', 'del Molino Viejo', 'de la Luna', 'de las Acacias', 'de los Almendros', 'del Naranjo', 'de la Alfarería', 'de las Golondrinas', 'del Laurel', 'de la Brisa'],
    forms: ['Calle', 'Avenida', 'Paseo', 'Plaza', 'Travesía', 'Ronda'],
  },
  PT: {
    roots: ['das Flores Novas', 'do Moinho', 'dos Oleiros', 'da Estrela Nova', 'das Laranjeiras', 'do Azulejo', 'dos Pescadores', 'da Amendoeira', 'do Cais Velho', 'das Gaivotas'],
    forms: ['Rua', 'Avenida', 'Travessa', 'Largo', 'Calçada', 'Beco'],
  },
  IT: {
    roots: ['dei Tigli', 'del Mulino', 'delle Rose Antiche', 'dei Mercanti Nuovi', 'della Fontana', 'degli Ulivi', 'dei Vetrai', 'del Glicine', 'delle Rondini', 'dei Liutai'],
    forms: ['Via', 'Viale', 'Corso', 'Piazza', 'Vicolo', 'Largo'],
  },
};
