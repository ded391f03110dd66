import { useState, type FormEvent } from 'react';
import { api } from '../api/endpoints';
import { Field, FormError, Spinner } from '../components/ui';
import { useDocumentTitle } from '../lib/useAsync';
import { useFormErrors } from '../lib/useFormErrors';

export function CreateOrganization({ onCreated }: { onCreated: (organizationId: string) => Promise<void> }) {
  useDocumentTitle('Set up your agency');
  const [name, setName] = useState('');
  const [slug, setSlug] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const errors = useFormErrors(['name', 'slug']);

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitting(true);
    errors.clear();
    try {
      const organization = await api.createOrganization({ name: name.trim(), ...(slug.trim() ? { slug: slug.trim() } : {}) });
      await onCreated(organization.id);
    } catch (error) {
      errors.setError(error);
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form className="card form-card" onSubmit={onSubmit} noValidate data-testid="create-organization-form">
      <h1>Set up your agency</h1>
      <p className="muted">
        Listings belong to an organization. Create one for your agency; you’ll be its owner and can invite colleagues later.
      </p>
      <FormError error={errors.error} unmatched={errors.unmatched} fieldErrorCount={errors.fieldErrorCount} />
      <Field label="Organization name" error={errors.byField.name}>
        {(props) => (
          <input
            {...props}
            className="input"
            name="name"
            required
            autoComplete="organization"
            value={name}
            onChange={(event) => setName(event.target.value)}
            data-testid="org-name"
          />
        )}
      </Field>
      <Field
        label="Short name for links"
        optional
        error={errors.byField.slug}
        hint="Lowercase letters, digits and dashes. Leave empty to derive it from the name."
      >
        {(props) => (
          <input
            {...props}
            className="input"
            name="slug"
            value={slug}
            pattern="[a-z0-9-]*"
            onChange={(event) => setSlug(event.target.value.toLowerCase())}
            data-testid="org-slug"
          />
        )}
      </Field>
      <button type="submit" className="button button-primary" disabled={submitting} data-testid="org-submit">
        {submitting ? <Spinner size="sm" label="Creating organization" /> : 'Create organization'}
      </button>
    </form>
  );
}
