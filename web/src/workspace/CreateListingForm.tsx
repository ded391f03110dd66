import { useRef, useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router-dom';
import { api } from '../api/endpoints';
import {
  energyLabels,
  propertyTypes,
  type EnergyLabel,
  type ListingKind,
  type PropertyInput,
  type PropertyType,
} from '../api/types';
import { MiniMap } from '../components/MiniMap';
import { Field, FormError, Spinner } from '../components/ui';
import { countryCodes, countryName, propertyTypeLabel } from '../lib/format';
import { majorToMinor, minorUnitDigits } from '../lib/money';
import { useDocumentTitle } from '../lib/useAsync';
import { useFormErrors } from '../lib/useFormErrors';
import { WorkspaceHeader } from './OrganizationListings';
import { useWorkspace } from './WorkspaceLayout';

const currencies = ['EUR', 'USD', 'GBP', 'CHF', 'SEK', 'NOK', 'DKK', 'PLN', 'CAD', 'AUD'] as const;

interface Draft {
  address: string;
  postalCode: string;
  city: string;
  country: string;
  latitude: string;
  longitude: string;
  propertyType: PropertyType | '';
  livingAreaM2: string;
  plotAreaM2: string;
  rooms: string;
  bedrooms: string;
  bathrooms: string;
  yearBuilt: string;
  yearRenovated: string;
  energyLabel: EnergyLabel | '';
  features: string;
  kind: ListingKind;
  title: string;
  description: string;
  price: string;
  currency: string;
}

const emptyDraft: Draft = {
  address: '',
  postalCode: '',
  city: '',
  country: '',
  latitude: '',
  longitude: '',
  propertyType: '',
  livingAreaM2: '',
  plotAreaM2: '',
  rooms: '',
  bedrooms: '',
  bathrooms: '',
  yearBuilt: '',
  yearRenovated: '',
  energyLabel: '',
  features: '',
  kind: 'sale',
  title: '',
  description: '',
  price: '',
  currency: 'EUR',
};

const serverFields = [
  'address',
  'postalCode',
  'city',
  'country',
  'latitude',
  'longitude',
  'propertyType',
  'livingAreaM2',
  'plotAreaM2',
  'rooms',
  'bedrooms',
  'bathrooms',
  'yearBuilt',
  'yearRenovated',
  'energyLabel',
  'features',
  'kind',
  'title',
  'description',
  'price',
  'currency',
] as const;
const serverAliases = { askingPrice: 'price', 'askingPrice.amountMinor': 'price', 'askingPrice.currency': 'currency' };

type NumberField =
  | 'latitude'
  | 'longitude'
  | 'livingAreaM2'
  | 'plotAreaM2'
  | 'rooms'
  | 'bedrooms'
  | 'bathrooms'
  | 'yearBuilt'
  | 'yearRenovated';
const numberFields: NumberField[] = [
  'latitude',
  'longitude',
  'livingAreaM2',
  'plotAreaM2',
  'rooms',
  'bedrooms',
  'bathrooms',
  'yearBuilt',
  'yearRenovated',
];
// Bathrooms may be fractional (a half bath counts 0.5), as the server accepts.
const integerFields: NumberField[] = ['rooms', 'bedrooms', 'yearBuilt', 'yearRenovated'];

/** Checks what the browser can check and builds the request bodies; the server has the last word. */
function validate(draft: Draft): { errors: Record<string, string>; property?: Omit<PropertyInput, 'organizationId'> } {
  const errors: Record<string, string> = {};
  if (!draft.address.trim()) errors.address = 'Enter the street address.';
  if (!draft.city.trim()) errors.city = 'Enter the city.';
  if (!draft.country) errors.country = 'Choose the country.';
  if (!draft.propertyType) errors.propertyType = 'Choose the property type.';
  if (!draft.title.trim()) errors.title = 'Give the listing a title.';
  if (!draft.price.trim()) errors.price = 'Enter the asking price.';
  else if (majorToMinor(draft.price, draft.currency) === null) {
    errors.price =
      minorUnitDigits(draft.currency) === 0
        ? 'Enter a whole amount, like 450000.'
        : `Enter an amount like 450000 or 1250.50 (at most ${minorUnitDigits(draft.currency)} decimals).`;
  }
  const numbers: Partial<Record<NumberField, number>> = {};
  for (const field of numberFields) {
    const text = draft[field].trim().replace(',', '.');
    if (!text) continue;
    const value = Number(text);
    if (!Number.isFinite(value)) errors[field] = 'Enter a number.';
    else if (integerFields.includes(field) && !Number.isInteger(value)) errors[field] = 'Enter a whole number.';
    else numbers[field] = value;
  }
  if (numbers.latitude !== undefined && Math.abs(numbers.latitude) > 90) errors.latitude = 'Latitude is between -90 and 90.';
  if (numbers.longitude !== undefined && Math.abs(numbers.longitude) > 180) errors.longitude = 'Longitude is between -180 and 180.';
  if (numbers.yearBuilt !== undefined && numbers.yearRenovated !== undefined && numbers.yearRenovated < numbers.yearBuilt) {
    errors.yearRenovated = 'Cannot be before the year it was built.';
  }
  if ((numbers.latitude === undefined) !== (numbers.longitude === undefined)) {
    errors[numbers.latitude === undefined ? 'latitude' : 'longitude'] = 'Give both latitude and longitude, or pick on the map.';
  }
  if (Object.keys(errors).length > 0) return { errors };
  const features = draft.features
    .split(',')
    .map((feature) => feature.trim())
    .filter(Boolean);
  const property: Omit<PropertyInput, 'organizationId'> = {
    address: draft.address.trim(),
    city: draft.city.trim(),
    country: draft.country,
    propertyType: draft.propertyType as PropertyType,
    ...(draft.postalCode.trim() ? { postalCode: draft.postalCode.trim() } : {}),
    ...numbers,
    ...(draft.energyLabel ? { energyLabel: draft.energyLabel } : {}),
    ...(features.length ? { features } : {}),
  };
  return { errors, property };
}

export function CreateListingForm() {
  useDocumentTitle('New listing');
  const { membership, canEdit } = useWorkspace();
  const navigate = useNavigate();
  const [draft, setDraft] = useState<Draft>(emptyDraft);
  const [clientErrors, setClientErrors] = useState<Record<string, string>>({});
  const [submitting, setSubmitting] = useState(false);
  const [progress, setProgress] = useState<string | null>(null);
  // Once the property exists, a retry after a listing error updates it instead of duplicating it.
  const createdPropertyId = useRef<string | null>(null);
  const errors = useFormErrors(serverFields, serverAliases);
  const formRef = useRef<HTMLFormElement | null>(null);

  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => {
    setDraft((previous) => ({ ...previous, [key]: value }));
    if (clientErrors[key]) setClientErrors(({ [key]: _removed, ...rest }) => rest);
  };
  const fieldError = (name: string): string | undefined => clientErrors[name] ?? errors.byField[name];

  const focusFirstInvalid = () => {
    window.requestAnimationFrame(() => {
      formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
    });
  };

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    errors.clear();
    const { errors: found, property } = validate(draft);
    setClientErrors(found);
    if (!property) {
      focusFirstInvalid();
      return;
    }
    setSubmitting(true);
    try {
      let propertyId = createdPropertyId.current;
      if (propertyId) {
        setProgress('Updating the property…');
        await api.updateProperty(propertyId, property);
      } else {
        setProgress('Saving the property…');
        const created = await api.createProperty({ organizationId: membership.organizationId, ...property });
        propertyId = created.id;
        createdPropertyId.current = propertyId;
      }
      setProgress('Creating the listing…');
      const listing = await api.createListing({
        propertyId,
        kind: draft.kind,
        title: draft.title.trim(),
        description: draft.description.trim(),
        askingPrice: { amountMinor: majorToMinor(draft.price, draft.currency)!, currency: draft.currency },
      });
      navigate(`/workspace/listings/${listing.id}`, { state: { created: true } });
    } catch (error) {
      errors.setError(error);
      focusFirstInvalid();
    } finally {
      setSubmitting(false);
      setProgress(null);
    }
  };

  if (!canEdit) {
    return (
      <div className="card">
        <p>Your role in {membership.organizationName} is viewer; ask an admin to make you an agent to add listings.</p>
      </div>
    );
  }

  const latitude = Number(draft.latitude);
  const longitude = Number(draft.longitude);
  const hasPoint = draft.latitude.trim() !== '' && draft.longitude.trim() !== '' && Number.isFinite(latitude) && Number.isFinite(longitude);

  return (
    <>
      <WorkspaceHeader>
        <Link to="/workspace" className="button button-ghost">
          Cancel
        </Link>
      </WorkspaceHeader>
      <form ref={formRef} className="card form-card form-wide" onSubmit={onSubmit} noValidate data-testid="create-listing-form">
        <h2 className="form-title">New listing</h2>
        <p className="muted">The listing is saved as a draft. Add photos next, then publish it when you’re ready.</p>
        <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
        {createdPropertyId.current && errors.error && (
          <p className="alert alert-info">The property is saved; correct the listing details and submit again.</p>
        )}

        <fieldset className="form-section">
          <legend>The property</legend>
          <div className="form-grid">
            <Field label="Street address" error={fieldError('address')} className="span-2">
              {(props) => (
                <input {...props} className="input" autoComplete="street-address" value={draft.address}
                  onChange={(event) => set('address', event.target.value)} data-testid="property-address" />
              )}
            </Field>
            <Field label="Postal code" optional error={fieldError('postalCode')}>
              {(props) => (
                <input {...props} className="input" autoComplete="postal-code" value={draft.postalCode}
                  onChange={(event) => set('postalCode', event.target.value)} data-testid="property-postal-code" />
              )}
            </Field>
            <Field label="City" error={fieldError('city')}>
              {(props) => (
                <input {...props} className="input" autoComplete="address-level2" value={draft.city}
                  onChange={(event) => set('city', event.target.value)} data-testid="property-city" />
              )}
            </Field>
            <Field label="Country" error={fieldError('country')}>
              {(props) => (
                <select {...props} className="input" value={draft.country}
                  onChange={(event) => set('country', event.target.value)} data-testid="property-country">
                  <option value="">Choose a country</option>
                  {countryCodes
                    .map((code) => ({ code, name: countryName(code) }))
                    .sort((a, b) => a.name.localeCompare(b.name))
                    .map(({ code, name }) => (
                      <option key={code} value={code}>
                        {name}
                      </option>
                    ))}
                </select>
              )}
            </Field>
            <Field label="Property type" error={fieldError('propertyType')}>
              {(props) => (
                <select {...props} className="input" value={draft.propertyType}
                  onChange={(event) => set('propertyType', event.target.value as PropertyType | '')} data-testid="property-type">
                  <option value="">Choose a type</option>
                  {propertyTypes.map((type) => (
                    <option key={type} value={type}>
                      {propertyTypeLabel(type)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>

          <div className="location-picker">
            <div className="form-grid form-grid-2">
              <Field label="Latitude" optional error={fieldError('latitude')}>
                {(props) => (
                  <input {...props} className="input" inputMode="decimal" value={draft.latitude}
                    onChange={(event) => set('latitude', event.target.value)} data-testid="property-latitude" />
                )}
              </Field>
              <Field label="Longitude" optional error={fieldError('longitude')}>
                {(props) => (
                  <input {...props} className="input" inputMode="decimal" value={draft.longitude}
                    onChange={(event) => set('longitude', event.target.value)} data-testid="property-longitude" />
                )}
              </Field>
              <p className="field-hint span-2">Type coordinates or click the map to place the pin; drag it to adjust.</p>
            </div>
            <MiniMap
              latitude={hasPoint ? latitude : null}
              longitude={hasPoint ? longitude : null}
              label="Property location"
              zoom={13}
              onPick={(lat, lng) => {
                set('latitude', String(lat));
                set('longitude', String(lng));
              }}
            />
          </div>

          <div className="form-grid form-grid-4">
            <Field label="Living area (m²)" optional error={fieldError('livingAreaM2')}>
              {(props) => (
                <input {...props} className="input" inputMode="decimal" value={draft.livingAreaM2}
                  onChange={(event) => set('livingAreaM2', event.target.value)} data-testid="property-living-area" />
              )}
            </Field>
            <Field label="Plot (m²)" optional error={fieldError('plotAreaM2')}>
              {(props) => (
                <input {...props} className="input" inputMode="decimal" value={draft.plotAreaM2}
                  onChange={(event) => set('plotAreaM2', event.target.value)} data-testid="property-plot-area" />
              )}
            </Field>
            <Field label="Rooms" optional error={fieldError('rooms')}>
              {(props) => (
                <input {...props} className="input" inputMode="numeric" value={draft.rooms}
                  onChange={(event) => set('rooms', event.target.value)} data-testid="property-rooms" />
              )}
            </Field>
            <Field label="Bedrooms" optional error={fieldError('bedrooms')}>
              {(props) => (
                <input {...props} className="input" inputMode="numeric" value={draft.bedrooms}
                  onChange={(event) => set('bedrooms', event.target.value)} data-testid="property-bedrooms" />
              )}
            </Field>
            <Field label="Bathrooms" optional error={fieldError('bathrooms')}>
              {(props) => (
                <input {...props} className="input" inputMode="decimal" value={draft.bathrooms}
                  onChange={(event) => set('bathrooms', event.target.value)} data-testid="property-bathrooms" />
              )}
            </Field>
            <Field label="Year built" optional error={fieldError('yearBuilt')}>
              {(props) => (
                <input {...props} className="input" inputMode="numeric" value={draft.yearBuilt}
                  onChange={(event) => set('yearBuilt', event.target.value)} data-testid="property-year-built" />
              )}
            </Field>
            <Field label="Year renovated" optional error={fieldError('yearRenovated')}>
              {(props) => (
                <input {...props} className="input" inputMode="numeric" value={draft.yearRenovated}
                  onChange={(event) => set('yearRenovated', event.target.value)} data-testid="property-year-renovated" />
              )}
            </Field>
            <Field label="Energy label" optional error={fieldError('energyLabel')}>
              {(props) => (
                <select {...props} className="input" value={draft.energyLabel}
                  onChange={(event) => set('energyLabel', event.target.value as EnergyLabel | '')} data-testid="property-energy-label">
                  <option value="">Unknown</option>
                  {energyLabels.map((label) => (
                    <option key={label} value={label}>
                      {label}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <Field label="Features" optional error={fieldError('features')} hint="Separate with commas, e.g. garden, balcony, parking.">
            {(props) => (
              <input {...props} className="input" value={draft.features}
                onChange={(event) => set('features', event.target.value)} data-testid="property-features" />
            )}
          </Field>
        </fieldset>

        <fieldset className="form-section">
          <legend>The listing</legend>
          <div className="segmented" role="radiogroup" aria-label="Offered for">
            {(['sale', 'rent'] as const).map((kind) => (
              <label key={kind} className={`segmented-option ${draft.kind === kind ? 'is-selected' : ''}`}>
                <input type="radio" name="kind" value={kind} checked={draft.kind === kind}
                  onChange={() => set('kind', kind)} data-testid={`listing-kind-${kind}`} />
                <span>{kind === 'sale' ? 'For sale' : 'For rent'}</span>
              </label>
            ))}
          </div>
          {fieldError('kind') && <p className="field-error">{fieldError('kind')}</p>}
          <Field label="Title" error={fieldError('title')} hint="What a buyer sees first, e.g. “Bright family house with garden”.">
            {(props) => (
              <input {...props} className="input" maxLength={200} value={draft.title}
                onChange={(event) => set('title', event.target.value)} data-testid="listing-title" />
            )}
          </Field>
          <Field label="Description" optional error={fieldError('description')}>
            {(props) => (
              <textarea {...props} className="input" rows={6} value={draft.description}
                onChange={(event) => set('description', event.target.value)} data-testid="listing-description" />
            )}
          </Field>
          <div className="form-grid form-grid-price">
            <Field label={draft.kind === 'rent' ? 'Rent per month' : 'Asking price'} error={fieldError('price')}>
              {(props) => (
                <input {...props} className="input" inputMode="decimal" value={draft.price}
                  onChange={(event) => set('price', event.target.value)} data-testid="listing-price" />
              )}
            </Field>
            <Field label="Currency" error={fieldError('currency')}>
              {(props) => (
                <select {...props} className="input" value={draft.currency}
                  onChange={(event) => set('currency', event.target.value)} data-testid="listing-currency">
                  {currencies.map((code) => (
                    <option key={code} value={code}>
                      {code}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
        </fieldset>

        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={submitting} data-testid="create-listing-submit">
            {submitting ? <Spinner size="sm" label="Saving" /> : 'Create draft listing'}
          </button>
          <span className="muted small" aria-live="polite">
            {progress}
          </span>
        </div>
      </form>
    </>
  );
}
