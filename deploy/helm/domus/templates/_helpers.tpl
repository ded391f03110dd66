{{/* Chart name, truncated to the 63 characters Kubernetes allows in a label value. */}}
{{- define "domus.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: <release>-domus unless the release name already says domus. */}}
{{- define "domus.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "domus.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "domus.selectorLabels" -}}
app.kubernetes.io/name: {{ include "domus.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "domus.labels" -}}
helm.sh/chart: {{ include "domus.chart" . }}
{{ include "domus.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: domus
{{- end }}

{{- define "domus.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "domus.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "domus.secretName" -}}
{{- if .Values.secrets.existingSecret }}
{{- .Values.secrets.existingSecret }}
{{- else }}
{{- include "domus.fullname" . }}
{{- end }}
{{- end }}

{{- define "domus.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/*
Refuses configurations that cannot work with several stateless replicas, with a message that
says what to set.
*/}}
{{- define "domus.validate" -}}
{{- if and .Values.secrets.create (not .Values.secrets.existingSecret) }}
{{- if lt (len .Values.secrets.SECRET_KEY) 32 }}
{{- fail "secrets.SECRET_KEY must be at least 32 characters and the same on every replica (openssl rand -hex 32), or set secrets.existingSecret" }}
{{- end }}
{{- if not .Values.secrets.DATABASE_URL }}
{{- fail "secrets.DATABASE_URL is required: replicas cannot share the embedded PGlite database" }}
{{- end }}
{{- if and (not .Values.secrets.REDIS_URL) (or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1)) }}
{{- fail "secrets.REDIS_URL is required with more than one replica: events and rate limits must cross nodes" }}
{{- end }}
{{- end }}
{{- if eq (toString .Values.config.FILE_STORE) "s3" }}
{{- if or (not .Values.config.S3_ENDPOINT) (not .Values.config.S3_BUCKET) }}
{{- fail "config.S3_ENDPOINT and config.S3_BUCKET are required with FILE_STORE=s3 (replicas must share photos)" }}
{{- end }}
{{- if and .Values.secrets.create (not .Values.secrets.existingSecret) (or (not .Values.secrets.S3_ACCESS_KEY_ID) (not .Values.secrets.S3_SECRET_ACCESS_KEY)) }}
{{- fail "secrets.S3_ACCESS_KEY_ID and secrets.S3_SECRET_ACCESS_KEY are required with FILE_STORE=s3" }}
{{- end }}
{{- else if not .Values.persistence.enabled }}
{{- if or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1) }}
{{- fail "config.FILE_STORE=local keeps photos on each pod's scratch disk; use FILE_STORE=s3 with several replicas (or persistence with accessMode ReadWriteMany)" }}
{{- end }}
{{- else if and (ne .Values.persistence.accessMode "ReadWriteMany") (or .Values.autoscaling.enabled (gt (int .Values.replicaCount) 1)) }}
{{- fail "persistence.accessMode ReadWriteOnce cannot be shared by several replicas; use FILE_STORE=s3 or a ReadWriteMany volume" }}
{{- end }}
{{- end }}
