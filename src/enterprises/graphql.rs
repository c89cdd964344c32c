//! `Enterprise`, `enterprises`, `registerEnterprise`, `verifyEnterprise`,
//! `updateEnterprise`.

use async_graphql::{Context, Enum, ID, InputObject, MaybeUndefined, Object, SimpleObject, Value};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter};

use super::{
    entity as enterprise, filter,
    rules::{
        self, Phone, RegisterEnterprise, UpdateEnterprise, VerifyEnterprise, parse_contact_email,
        parse_tax_code, sees_private_fields,
    },
};
use crate::{
    agenda::{
        entity as agenda_item,
        graphql::{AgendaArgs, AgendaItemConnection, AgendaItemFilter, agenda_page},
    },
    auth::password::NewPassword,
    connection,
    contributions::{
        entity as contribution,
        graphql::{
            ContributionArgs, ContributionConnection, ContributionFilter, ContributionOrder,
            contributions_page,
        },
    },
    error::{ApiError, UserError},
    graphql::{
        app,
        errors::respond,
        ids::{self, input_key},
        loaders::{loaded, loaders},
        mutate,
        pagination::{KeyOf, OrderDirection, PageArgs, Sort, paginate},
        patch,
        plan::{Leaves, now},
        scalars::DateTime,
        session,
    },
    keys::{EnterpriseKey, Key},
    reports::graphql::{ContributionTotals, TotalsOf, totals_of},
    text::{Email, Name, Note},
    twinnings::graphql::Twinning,
};

/// An enterprise (doanh nghiệp) taking part in the programme.
#[derive(Clone)]
pub struct Enterprise(pub enterprise::Model);

impl Enterprise {
    fn private<'a>(
        &'a self,
        ctx: &Context<'_>,
        value: &'a Option<String>,
    ) -> async_graphql::Result<Option<&'a str>> {
        let viewer = &session(ctx)?.viewer;
        Ok(if sees_private_fields(viewer, self.0.id) {
            value.as_deref()
        } else {
            None
        })
    }
}

/// An enterprise (doanh nghiệp) taking part in the programme.
#[Object]
impl Enterprise {
    /// Globally unique, opaque ID.
    pub async fn id(&self) -> ID {
        ids::encode(EnterpriseKey::KIND, self.0.id)
    }

    /// Vietnamese tax code (mã số thuế), normalised: 10 digits, or 10 digits, '-', 3 digits for a branch.
    async fn tax_code(&self) -> &str {
        &self.0.tax_code
    }

    /// Registered name.
    async fn name(&self) -> &str {
        &self.0.name
    }

    /// Line of business.
    async fn sector(&self) -> Option<&str> {
        self.0.sector.as_deref()
    }

    /// Address of the head office.
    async fn address(&self) -> Option<&str> {
        self.0.address.as_deref()
    }

    /// Visible to the enterprise's own accounts and to officials; null to others.
    async fn contact_email(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        self.private(ctx, &self.0.contact_email)
    }

    /// Visible to the enterprise's own accounts and to officials; null to others.
    async fn contact_phone(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<&str>> {
        self.private(ctx, &self.0.contact_phone)
    }

    /// Verified by an official; only verified enterprises may pledge or submit agenda items.
    async fn verified(&self) -> bool {
        self.0.verified
    }

    /// The communes this enterprise is or was twinned with (kết nghĩa), oldest first.
    async fn twinnings(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Twinning>> {
        let all = loaded(
            loaders(ctx)?
                .twinnings_by_enterprise
                .load_one(self.0.id)
                .await,
        )?
        .unwrap_or_default();
        Ok(all.into_iter().map(Twinning).collect())
    }

    /// Contributions this enterprise pledged.
    #[allow(clippy::too_many_arguments)]
    async fn contributions(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            ContributionFilter,
        >,
        #[graphql(desc = "The order; the list's default when absent.")] order_by: Option<
            ContributionOrder,
        >,
    ) -> async_graphql::Result<ContributionConnection> {
        let args = ContributionArgs {
            page: PageArgs::new(first, after, last, before),
            filter,
            order_by,
        };
        contributions_page(
            ctx,
            args,
            Condition::all().add(contribution::Column::EnterpriseId.eq(self.0.id)),
        )
        .await
    }

    /// Totals of this enterprise's contributions that are not cancelled.
    async fn contribution_totals(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<ContributionTotals> {
        Ok(totals_of(ctx, TotalsOf::Enterprise(self.0.id)).await?)
    }

    /// Agenda items submitted by this enterprise that the viewer may see.
    async fn agenda_items(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            AgendaItemFilter,
        >,
    ) -> async_graphql::Result<AgendaItemConnection> {
        let args = AgendaArgs {
            page: PageArgs::new(first, after, last, before),
            filter,
            order_by: None,
        };
        agenda_page(
            ctx,
            args,
            Condition::all().add(agenda_item::Column::EnterpriseId.eq(self.0.id)),
        )
        .await
    }

    /// When the enterprise registered.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

impl Leaves for Enterprise {
    fn type_name(&self) -> &'static str {
        "Enterprise"
    }

    fn leaf(&self, ctx: &Context<'_>, name: &str) -> Option<Value> {
        match name {
            "id" => now(self.id(ctx)),
            "taxCode" => now(self.tax_code(ctx)),
            "name" => now(self.name(ctx)),
            "sector" => now(self.sector(ctx)),
            "address" => now(self.address(ctx)),
            "contactEmail" => now(self.contact_email(ctx)),
            "contactPhone" => now(self.contact_phone(ctx)),
            "verified" => now(self.verified(ctx)),
            "createdAt" => now(self.created_at(ctx)),
            _ => None,
        }
    }
}

connection!(
    Enterprise,
    EnterpriseConnection,
    EnterpriseEdge,
    "enterprises"
);

/// Narrows `enterprises`.
#[derive(InputObject, Default)]
pub struct EnterpriseFilter {
    /// Case- and diacritic-insensitive over name; exact over tax code.
    pub search: Option<String>,
    /// Only verified (true) or unverified (false) enterprises.
    pub verified: Option<bool>,
    /// The sector, exactly.
    pub sector: Option<String>,
}

/// What `enterprises` may be sorted by.
#[derive(Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnterpriseOrderField {
    /// By name, ignoring case and diacritics.
    Name,
    /// By registration time.
    CreatedAt,
}

/// The order of `enterprises`.
#[derive(InputObject)]
pub struct EnterpriseOrder {
    /// What to sort by.
    pub field: EnterpriseOrderField,
    /// Ascending or descending.
    pub direction: OrderDirection,
}

impl EnterpriseFilter {
    /// The domain's filter.
    pub fn decode(self) -> filter::EnterpriseFilter {
        filter::EnterpriseFilter {
            search: self.search,
            verified: self.verified,
            sector: self.sector,
        }
    }
}

fn sort(order: Option<EnterpriseOrder>) -> Sort<enterprise::Entity> {
    let (field, direction) = order.map_or((EnterpriseOrderField::Name, OrderDirection::Asc), |o| {
        (o.field, o.direction)
    });
    match field {
        EnterpriseOrderField::Name => Sort::by(
            enterprise::Column::SearchText,
            enterprise::Column::Id,
            direction.ascending(),
            KeyOf::Text(|m: &enterprise::Model| m.search_text.clone()),
            |m: &enterprise::Model| m.id,
        ),
        EnterpriseOrderField::CreatedAt => Sort::by(
            enterprise::Column::CreatedAt,
            enterprise::Column::Id,
            direction.ascending(),
            KeyOf::Time(|m: &enterprise::Model| m.created_at),
            |m: &enterprise::Model| m.id,
        ),
    }
}

#[derive(Default)]
pub struct EnterpriseQuery;

#[Object]
impl EnterpriseQuery {
    /// Enterprises in the programme; public fields for everyone.
    #[allow(clippy::too_many_arguments)]
    async fn enterprises(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The first n items after `after` (default 20, at most 100).")]
        first: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `endCursor`.")] after: Option<String>,
        #[graphql(desc = "The last n items before `before` (at most 100).")] last: Option<i32>,
        #[graphql(desc = "A cursor from a previous page's `startCursor`.")] before: Option<String>,
        #[graphql(desc = "Narrows the list; every part given must hold.")] filter: Option<
            EnterpriseFilter,
        >,
        #[graphql(desc = "The order; the list's default when absent.")] order_by: Option<
            EnterpriseOrder,
        >,
    ) -> async_graphql::Result<EnterpriseConnection> {
        let page = paginate(
            &app(ctx)?.db.read,
            enterprise::Entity::find().filter(filter.unwrap_or_default().decode().condition()),
            &sort(order_by),
            PageArgs::new(first, after, last, before),
            ctx.look_ahead().field("totalCount").exists(),
        )
        .await?;
        Ok(page.map(Enterprise).into())
    }
}

/// An enterprise; its public fields are public.
pub async fn enterprise_node(ctx: &Context<'_>, key: i64) -> Result<Option<Enterprise>, ApiError> {
    Ok(loaded(loaders(ctx)?.enterprises.load_one(key).await)?.map(Enterprise))
}

/// An enterprise and its first FIRM account.
#[derive(InputObject)]
pub struct RegisterEnterpriseInput {
    /// Vietnamese tax code (mã số thuế): 10 digits, or 13 for a branch; spaces, dots and dashes are ignored.
    pub tax_code: String,
    /// The name (at most 200 characters).
    pub name: String,
    /// Line of business.
    pub sector: Option<String>,
    /// Address of the head office.
    pub address: Option<String>,
    /// Contact e-mail, shown only to the enterprise's accounts and officials.
    pub contact_email: Option<String>,
    /// Contact phone, shown only to the enterprise's accounts and officials.
    pub contact_phone: Option<String>,
    /// The first FIRM account of the enterprise.
    pub email: String,
    /// The password (at least 12 characters for a new one).
    pub password: String,
    /// The name shown for the account.
    pub display_name: String,
}

impl TryFrom<RegisterEnterpriseInput> for RegisterEnterprise {
    type Error = UserError;

    fn try_from(input: RegisterEnterpriseInput) -> Result<Self, UserError> {
        Ok(RegisterEnterprise {
            tax_code: parse_tax_code(&input.tax_code)?,
            name: Name::parse("name", &input.name)?,
            sector: Name::parse_optional("sector", input.sector.as_deref())?,
            address: Note::parse_optional("address", input.address.as_deref())?,
            contact_email: parse_contact_email(input.contact_email.as_deref())?,
            contact_phone: Phone::parse_optional("contactPhone", input.contact_phone.as_deref())?,
            email: Email::parse("email", &input.email)?,
            display_name: Name::parse("displayName", &input.display_name)?,
            password: NewPassword::parse("password", &input.password)?,
        })
    }
}

/// The outcome of `registerEnterprise`.
#[derive(SimpleObject, Default)]
pub struct RegisterEnterprisePayload {
    /// The enterprise as the mutation left it; null when it failed.
    pub enterprise: Option<Enterprise>,
    /// Signed in as the new FIRM account.
    pub token: Option<String>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(RegisterEnterprisePayload {
    enterprise: Enterprise,
    token: String
});

/// The enterprise to verify.
#[derive(InputObject)]
pub struct VerifyEnterpriseInput {
    /// The enterprise's ID.
    pub enterprise_id: ID,
}

impl TryFrom<VerifyEnterpriseInput> for VerifyEnterprise {
    type Error = UserError;

    fn try_from(input: VerifyEnterpriseInput) -> Result<Self, UserError> {
        Ok(VerifyEnterprise {
            enterprise_id: input_key(&input.enterprise_id, "enterpriseId")?,
        })
    }
}

/// The outcome of `verifyEnterprise`.
#[derive(SimpleObject, Default)]
pub struct VerifyEnterprisePayload {
    /// The enterprise as the mutation left it; null when it failed.
    pub enterprise: Option<Enterprise>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(VerifyEnterprisePayload {
    enterprise: Enterprise
});

/// Changes to an enterprise; absent fields stay as they are, null clears.
#[derive(InputObject)]
pub struct UpdateEnterpriseInput {
    /// The enterprise's ID.
    pub enterprise_id: ID,
    /// The name (at most 200 characters).
    pub name: Option<String>,
    /// Line of business.
    pub sector: MaybeUndefined<String>,
    /// Address of the head office.
    pub address: MaybeUndefined<String>,
    /// Contact e-mail, shown only to the enterprise's accounts and officials.
    pub contact_email: MaybeUndefined<String>,
    /// Contact phone, shown only to the enterprise's accounts and officials.
    pub contact_phone: MaybeUndefined<String>,
}

impl TryFrom<UpdateEnterpriseInput> for UpdateEnterprise {
    type Error = UserError;

    fn try_from(input: UpdateEnterpriseInput) -> Result<Self, UserError> {
        Ok(UpdateEnterprise {
            enterprise_id: input_key(&input.enterprise_id, "enterpriseId")?,
            name: input
                .name
                .as_deref()
                .map(|name| Name::parse("name", name))
                .transpose()?,
            // A blank optional field clears it, like null.
            sector: patch(input.sector)
                .try_map(|v| Name::parse_optional("sector", Some(&v)))?
                .flatten(),
            address: patch(input.address)
                .try_map(|v| Note::parse_optional("address", Some(&v)))?
                .flatten(),
            contact_email: patch(input.contact_email)
                .try_map(|v| parse_contact_email(Some(&v)))?
                .flatten(),
            contact_phone: patch(input.contact_phone)
                .try_map(|v| Phone::parse_optional("contactPhone", Some(&v)))?
                .flatten(),
        })
    }
}

/// The outcome of `updateEnterprise`.
#[derive(SimpleObject, Default)]
pub struct UpdateEnterprisePayload {
    /// The enterprise as the mutation left it; null when it failed.
    pub enterprise: Option<Enterprise>,
    /// Why the mutation did not apply (business rules); empty when it succeeded.
    pub user_errors: Vec<UserError>,
}

crate::payload!(UpdateEnterprisePayload {
    enterprise: Enterprise
});

#[derive(Default)]
pub struct EnterpriseMutation;

#[Object]
impl EnterpriseMutation {
    /// Registers an enterprise (unverified) with its first FIRM account and signs in
    /// as it. Open to anyone.
    async fn register_enterprise(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: RegisterEnterpriseInput,
    ) -> async_graphql::Result<RegisterEnterprisePayload> {
        respond(
            mutate(ctx, input, rules::register)
                .await
                .map(|(model, issued)| (Enterprise(model), issued.token)),
        )
    }

    /// Marks an enterprise verified (officials and admins).
    async fn verify_enterprise(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: VerifyEnterpriseInput,
    ) -> async_graphql::Result<VerifyEnterprisePayload> {
        respond(mutate(ctx, input, rules::verify).await.map(Enterprise))
    }

    /// Changes an enterprise's details (its own accounts, officials, admins).
    async fn update_enterprise(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The mutation's input.")] input: UpdateEnterpriseInput,
    ) -> async_graphql::Result<UpdateEnterprisePayload> {
        respond(mutate(ctx, input, rules::update).await.map(Enterprise))
    }
}
