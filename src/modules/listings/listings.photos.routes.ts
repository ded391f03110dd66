import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { policy } from '../../platform/policy';
import { z } from 'zod';
import { platformErrors } from '../../platform/errors';
import { problemResponses } from '../../platform/http';
import type { PhotoService } from './listings.photos';
import { photoFileParams, photoParams, photoSchema, idParams } from './listings.schema';
import { validationFailed } from './listings.errors';

/** Photo upload (multipart, field `file`), deletion and the renditions. */
export function photoRoutes(photos: PhotoService): FastifyPluginAsync {
  return async (instance) => {
    const app = instance.withTypeProvider<ZodTypeProvider>();
    const tags = ['listings'];

    app.post('/listings/:id/photos', {
      config: { policy: policy.resource("agents of the listing's organization (service: 404 / 403)", { apiKeyScope: 'listings:write' }) },
      schema: {
        tags,
        summary: 'Add a photo (agent+): multipart/form-data, the image in the field "file"; JPEG, PNG or WebP, at most 40 megapixels',
        consumes: ['multipart/form-data'],
        params: idParams,
        response: { 201: photoSchema, ...problemResponses(400, 401, 403, 404, 409, 413, 415, 422) },
      },
    }, async (request, reply) => {
      const photo = await photos.upload(request.auth, request.params.id, async () => {
        if (!request.isMultipart()) {
          throw platformErrors.UNSUPPORTED_MEDIA_TYPE('Send the photo as multipart/form-data with the image in the field "file".', [
            { path: 'file', message: 'must be sent as multipart/form-data' },
          ]);
        }
        const part = await request.file();
        if (!part) throw validationFailed([{ path: 'file', message: 'is required: send the image in the multipart field "file"' }]);
        if (part.fieldname !== 'file') {
          part.file.resume();
          throw validationFailed([{ path: 'file', message: `is required; the upload came in the field "${part.fieldname}"` }]);
        }
        return part.toBuffer();
      });
      return reply.code(201).send(photo);
    });

    app.delete('/listings/:id/photos/:photoId', {
      config: { policy: policy.resource("agents of the listing's organization (service: 404 / 403)", { apiKeyScope: 'listings:write' }) },
      schema: { tags, summary: 'Remove a photo and its files (agent+)', params: photoParams, response: { 204: z.null(), ...problemResponses(400, 401, 403, 404) } },
    }, async (request, reply) => {
      await photos.delete(request.auth, request.params.id, request.params.photoId);
      return reply.code(204).send(null);
    });

    app.get('/photos/:photoId/:size', {
      config: { policy: policy.public("photos of public listings; of drafts only for the organization's members (service answers 404)") },
      schema: { tags, summary: 'A photo rendition: thumb (320 px wide, WebP), large (1280 px, WebP) or original', params: photoFileParams, response: problemResponses(400, 404) },
    }, async (request, reply) => {
      const file = await photos.open(request.auth, request.params.photoId, request.params.size);
      reply.header('cache-control', file.cacheControl).header('etag', file.etag).header('x-content-type-options', 'nosniff');
      if (request.headers['if-none-match'] === file.etag) {
        file.body.destroy();
        return (reply as FastifyReply).code(304).send();
      }
      // A stream bypasses the response serializer; the cast leaves the zod reply typing for it.
      return (reply as FastifyReply).type(file.contentType).header('content-length', file.size).send(file.body);
    });
  };
}
